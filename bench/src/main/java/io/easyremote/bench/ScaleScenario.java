package io.easyremote.bench;

import io.easyremote.bench.callers.Caller;
import io.easyremote.bench.callers.RelayedCaller;
import io.easyremote.client.Client;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * Scenario 4: one fresh gateway with one real node, then 1,000 and 10,000 simulated nodes (real
 * NodeLink streams from a few processes, 3 functions each): registration time, gateway heap and
 * RSS per node, idle CPU spent on their heartbeats, and relayed latency with them connected.
 */
final class ScaleScenario implements Scenario {
  private static final int NODES_PER_PROCESS = 2500;

  @Override
  public String id() {
    return "scale";
  }

  @Override
  public Section run(Lab lab, Settings settings) throws Exception {
    Section section = new Section(id(), "4. Scale of one gateway: simulated nodes connected",
        "nodes", "register s", "heap MB", "heap KB per node", "RSS MB", "idle CPU %",
        "echo p50 µs", "echo p99 µs", "spread p50 µs");
    List<ChildJvm> simulators = new ArrayList<>();
    try (ChildJvm gateway = ChildJvm.start(settings.logDir(), settings.gatewayJvmOptions(), "gateway", Integer.toString(Lab.MAX_PAYLOAD));
         ChildJvm node = ChildJvm.start(settings.logDir(), settings.nodeJvmOptions(), "node", "127.0.0.1:" + gateway.ready("port"), "scale-node", "64");
         Client client = Client.builder().gateway("127.0.0.1:" + gateway.ready("port")).deadline(Duration.ofSeconds(30)).build()) {
      Caller echo = RelayedCaller.text("echo", client, LatencyScenario.SMALL);
      Rounds.warmUp(List.of(echo), settings.jitWarmup().dividedBy(2)); // a fresh gateway JVM
      long baseHeap = gateway.heapAfterGc();
      Sample one = Load.sequential(echo, settings.latencyCalls());
      section.row(1, Double.NaN, baseHeap / 1e6, Double.NaN, Procs.rssBytes(gateway.pid()) / 1e6, idleCpu(gateway, settings),
          one.p50Micros(), one.p99Micros(), Double.NaN);
      int connected = 0;
      for (int target : settings.simulatedNodeSteps()) {
        int adding = target - connected;
        List<ChildJvm> batch = new ArrayList<>();
        for (int first = 0; first < adding; first += NODES_PER_PROCESS) {
          int count = Math.min(NODES_PER_PROCESS, adding - first);
          ChildJvm sim = ChildJvm.start(settings.logDir(), List.of("-Xss256k"), "sim-nodes",
              "127.0.0.1:" + gateway.ready("port"), "sim" + simulators.size(), Integer.toString(count));
          simulators.add(sim);
          batch.add(sim);
        }
        double seconds = connectAll(batch);
        connected = target;
        awaitNodes(gateway, connected + 1);
        Thread.sleep(1000);
        long heap = gateway.heapAfterGc();
        double cpu = idleCpu(gateway, settings);
        Sample withNodes = Load.sequential(echo, settings.latencyCalls());
        Caller spread = new SpreadCaller(client);
        Load.sequential(spread, 200);
        Sample spreadSample = Load.sequential(spread, settings.latencyCalls());
        section.row(connected, seconds, heap / 1e6, (heap - baseHeap) / 1024.0 / connected, Procs.rssBytes(gateway.pid()) / 1e6, cpu,
            withNodes.p50Micros(), withNodes.p99Micros(), spreadSample.p50Micros());
      }
      section.note("Each simulated node is a real NodeLink stream (Hello with 3 functions, heartbeats at the gateway's 1 s interval,"
          + " answers to Invoke); " + NODES_PER_PROCESS + " per process, 1,000 per connection.");
      section.note("register s: from sending the Hellos of the new batch to the last Welcome. heap: gateway live heap after a full GC;"
          + " per node: its growth over the 1-node gateway ÷ simulated nodes. idle CPU: the gateway's CPU over "
          + settings.idleWindow().toSeconds() + " s with no calls (heartbeats only), in % of one core.");
      section.note("echo: relayed 32 B calls to the one real node; spread: calls to a function all simulated nodes offer,"
          + " so the balancer picks among all of them.");
      if (settings.simulatedNodeSteps().size() > 0) {
        double perNode = (Double) section.rows.get(section.rows.size() - 1).get("heap KB per node");
        section.note(String.format(Locale.ROOT, "Goal: ≥ 10,000 nodes with < 20 KB gateway heap per idle node (now %,d nodes, %.1f KB).",
            connected, perNode));
      }
    } finally {
      simulators.forEach(ChildJvm::close);
    }
    return section;
  }

  /** Tells every simulator to connect its nodes at once; the seconds until the last is welcomed. */
  private static double connectAll(List<ChildJvm> simulators) throws Exception {
    ExecutorService pool = Executors.newFixedThreadPool(simulators.size());
    try {
      long start = System.nanoTime();
      List<Future<String[]>> replies = new ArrayList<>();
      for (ChildJvm sim : simulators) {
        replies.add(pool.submit(() -> sim.ask("connect", Duration.ofSeconds(150))));
      }
      for (Future<String[]> reply : replies) {
        reply.get();
      }
      return (System.nanoTime() - start) / 1e9;
    } finally {
      pool.shutdownNow();
    }
  }

  private static void awaitNodes(ChildJvm gateway, int expected) throws Exception {
    long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
    int seen;
    while ((seen = Integer.parseInt(gateway.ask("nodes", Duration.ofSeconds(30))[0])) < expected) {
      if (System.nanoTime() > deadline) {
        throw new IllegalStateException("the gateway shows " + seen + " nodes, expected " + expected);
      }
      Thread.sleep(200);
    }
  }

  /** The gateway's CPU use over the idle window, in % of one core. */
  static double idleCpu(ChildJvm process, Settings settings) throws InterruptedException {
    long before = Procs.cpuNanos(process.pid());
    long t0 = System.nanoTime();
    Thread.sleep(settings.idleWindow().toMillis());
    long after = Procs.cpuNanos(process.pid());
    return before < 0 ? Double.NaN : 100.0 * (after - before) / (System.nanoTime() - t0);
  }

  /** Calls {@code sim.f0}, which every simulated node offers (they all answer {@code "ok"}). */
  private record SpreadCaller(Client client) implements Caller {
    @Override
    public String name() {
      return "spread";
    }

    @Override
    public void call() {
      Caller.check("ok".equals(client.call("sim.f0", String.class, "x")), "sim.f0");
    }
  }
}
