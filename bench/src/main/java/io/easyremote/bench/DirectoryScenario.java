package io.easyremote.bench;

import io.easyremote.cluster.ClusterDirectory;
import io.easyremote.cluster.DirectoryView;
import io.easyremote.cluster.LocalNode;
import io.easyremote.cluster.NatsDirectory;
import io.easyremote.cluster.NodeHealth;
import io.easyremote.cluster.nats.NatsServers;
import io.easyremote.cluster.nats.NatsUser;
import io.nats.client.Connection;
import io.nats.client.Dispatcher;
import io.nats.client.Nats;
import io.nats.client.Options;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.function.Predicate;
import org.HdrHistogram.Histogram;

/**
 * Scenario 12: the cluster directory (directory only: forwarding is not wired yet). Three
 * directories, each on its own server of a 3-server NATS cluster, publish 10,000 simulated nodes
 * each (1,000 with --quick); then a fourth joins late and catches up from snapshots. Reports the
 * convergence times, single-join latency with 30,000 nodes known, the directory heap per remote
 * node, idle traffic, and NATS request-reply across the routes (the yardstick for forwarding).
 */
final class DirectoryScenario implements Scenario {
  private static final String PASSWORD = "bench-directory";
  private static final int FUNCTIONS = 100;

  @Override
  public String id() {
    return "directory";
  }

  @Override
  public Section run(Lab lab, Settings settings) throws Exception {
    int perGateway = settings.quick() ? 1000 : 10_000;
    Section section = new Section(id(), "12. Cluster directory on a 3-server NATS cluster (the directory alone; scenario 14 forwards calls)",
        "measure", "value", "unit");
    NatsServers.Builder builder = NatsServers.builder().servers(3);
    List<String> ids = List.of("gw-a", "gw-b", "gw-c", "gw-late");
    ids.forEach(id -> builder.user(NatsUser.gateway(id, PASSWORD)));
    builder.user(NatsUser.password("bench", PASSWORD, List.of(), List.of())); // the request-reply yardstick
    List<ClusterDirectory> all = new ArrayList<>();
    try (NatsServers nats = builder.start()) {
      List<NatsDirectory> three = new ArrayList<>();
      for (int i = 0; i < 3; i++) {
        three.add(start(nats, ids.get(i), i));
      }
      all.addAll(three);
      awaitViews(three, v -> v.gateways().size() == 2, Duration.ofSeconds(10));

      // 1. All three publish their nodes at once; until every view holds the other two's.
      long[] converged = new long[3];
      for (int i = 0; i < 3; i++) {
        int g = i;
        three.get(i).addListener(ch -> {
          if (converged[g] == 0 && ch.view().nodeCount() == 2 * perGateway) {
            converged[g] = System.nanoTime();
          }
        });
      }
      List<List<LocalNode>> nodes = new ArrayList<>();
      for (int i = 0; i < 3; i++) {
        nodes.add(simulated(ids.get(i), perGateway));
      }
      long t0 = System.nanoTime();
      for (int i = 0; i < 3; i++) {
        three.get(i).publish(nodes.get(i));
      }
      awaitViews(three, v -> v.nodeCount() == 2 * perGateway, Duration.ofSeconds(60));
      double bulkMs = (Arrays.stream(converged).max().orElseThrow() - t0) / 1e6;
      section.row(String.format(Locale.ROOT, "bulk: 3 × %,d nodes published at once → every view holds the other %,d", perGateway,
          2 * perGateway), bulkMs, "ms");

      // 2. A late gateway catches up from snapshots; its heap growth per remote node.
      long before = heapAfterGc();
      long lateStart = System.nanoTime();
      NatsDirectory late = start(nats, "gw-late", 0);
      all.add(late);
      awaitViews(List.of(late), v -> v.nodeCount() == 3 * perGateway, Duration.ofSeconds(60));
      double lateMs = (System.nanoTime() - lateStart) / 1e6;
      long after = heapAfterGc();
      section.row(String.format(Locale.ROOT, "late joiner: connect → holds all %,d nodes (snapshots on request)", 3 * perGateway),
          lateMs, "ms");
      section.row("directory heap per remote node (late joiner's growth ÷ nodes)", (after - before) / (double) (3 * perGateway), "bytes");

      // 3. Single joins with everything known: until all three others see the node.
      List<ClusterDirectory> watchers = List.of(three.get(1), three.get(2), late);
      Histogram joins = new Histogram(60_000_000_000L, 3);
      List<LocalNode> aNodes = new ArrayList<>(nodes.get(0));
      for (int j = 0; j < 50; j++) {
        String id = "joiner-" + j;
        aNodes.add(LocalNode.of(id, Set.of("f0"), 4, 0));
        long start = System.nanoTime();
        three.get(0).publish(aNodes);
        awaitViews(watchers, v -> v.node(id).isPresent(), Duration.ofSeconds(10));
        joins.recordValue(System.nanoTime() - start);
      }
      section.row(String.format(Locale.ROOT, "one node joins (%,d known): visible on 3 others, p50", 3 * perGateway),
          joins.getValueAtPercentile(50) / 1e6, "ms");
      section.row("one node joins: p99 of 50", joins.getValueAtPercentile(99) / 1e6, "ms");

      // 4. Idle traffic: what one gateway publishes per second with nothing changing.
      long published0 = three.get(0).stats().published();
      long idleStart = System.nanoTime();
      Thread.sleep(3000);
      double perSecond = (three.get(0).stats().published() - published0) / ((System.nanoTime() - idleStart) / 1e9);
      section.row(String.format(Locale.ROOT, "idle: messages one gateway publishes (%,d nodes, %d functions)", perGateway, FUNCTIONS),
          perSecond, "msg/s");

      // 5. The yardstick for forwarding: NATS request-reply across routes (n1 → n3), 32 B.
      Histogram rr = requestReply(nats, settings.quick() ? 2000 : 10_000);
      section.row("NATS request-reply across routes (n1 → n3), 32 B, p50", rr.getValueAtPercentile(50) / 1000.0, "µs");
      section.row("NATS request-reply across routes, p99", rr.getValueAtPercentile(99) / 1000.0, "µs");

      section.note("Each simulated node offers 3 of " + FUNCTIONS + " functions and has one label; every directory runs in this"
          + " benchmark's JVM, each connected to its own nats-server (nats-server " + NatsServers.binary() + ").");
      section.note("Heap per remote node: the late joiner's directory (nodes, per-function node-id lists, offers) measured as the"
          + " growth of this JVM's live heap after a full GC; it includes the late joiner's NATS connection buffers.");
      section.note("Idle traffic is heartbeats (every 500 ms, with the per-function load), plus a full snapshot every 30 s;"
          + " a node's load never travels per node.");
      section.note("Yardstick: the Lab's NATS req-reply row (scenario 1) is client → one server → responder JVM; this one crosses a route.");
    } finally {
      all.forEach(ClusterDirectory::close);
    }
    return section;
  }

  private static NatsDirectory start(NatsServers nats, String id, int server) throws Exception {
    return NatsDirectory.builder().servers(nats.urlsFrom(server)).noRandomize().gatewayId(id)
        .userPassword(id, PASSWORD.toCharArray()).build().start();
  }

  private static List<LocalNode> simulated(String gateway, int n) {
    List<LocalNode> list = new ArrayList<>(n);
    for (int i = 0; i < n; i++) {
      Set<String> functions = Set.of("f" + (i % FUNCTIONS), "f" + ((i + 1) % FUNCTIONS), "f" + ((i + 2) % FUNCTIONS));
      list.add(new LocalNode(gateway + "-sim-" + i, functions, 8, i % 8, NodeHealth.UP, Map.of("zone", "z" + (i % 4)), 0));
    }
    return list;
  }

  private static void awaitViews(List<? extends ClusterDirectory> dirs, Predicate<DirectoryView> done, Duration limit)
      throws InterruptedException {
    long deadline = System.nanoTime() + limit.toNanos();
    for (ClusterDirectory d : dirs) {
      while (!done.test(d.view())) {
        if (System.nanoTime() > deadline) {
          throw new IllegalStateException("directory " + d.gatewayId() + " did not converge within " + limit + ": " + d.view()
              + ", " + d.stats());
        }
        Thread.sleep(1);
      }
    }
  }

  private static long heapAfterGc() {
    MemoryMXBean memory = ManagementFactory.getMemoryMXBean();
    for (int i = 0; i < 3; i++) {
      memory.gc();
    }
    return memory.getHeapMemoryUsage().getUsed();
  }

  private static Histogram requestReply(NatsServers nats, int calls) throws Exception {
    Options.Builder o1 = new Options.Builder().server(nats.url(0)).userInfo("bench", PASSWORD);
    Options.Builder o3 = new Options.Builder().server(nats.url(2)).userInfo("bench", PASSWORD);
    String subject = "bench.echo";
    try (Connection requester = Nats.connect(o1.build()); Connection responder = Nats.connect(o3.build())) {
      Dispatcher d = responder.createDispatcher(m -> responder.publish(m.getReplyTo(), m.getData()));
      d.subscribe(subject);
      responder.flush(Duration.ofSeconds(5));
      byte[] data = new byte[32];
      long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
      while (requester.request(subject, data, Duration.ofMillis(200)) == null) { // interest crosses the route asynchronously
        if (System.nanoTime() > deadline) {
          throw new IllegalStateException("no NATS reply across the route within 10 s");
        }
      }
      for (int i = 0; i < calls / 5; i++) {
        requester.request(subject, data, Duration.ofSeconds(5)); // warm-up
      }
      Histogram h = new Histogram(60_000_000_000L, 3);
      for (int i = 0; i < calls; i++) {
        long t = System.nanoTime();
        if (requester.request(subject, data, Duration.ofSeconds(5)) == null) {
          throw new IllegalStateException("NATS request " + i + " timed out");
        }
        h.recordValue(System.nanoTime() - t);
      }
      return h;
    }
  }
}
