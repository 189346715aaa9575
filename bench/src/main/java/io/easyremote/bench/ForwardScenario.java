package io.easyremote.bench;

import io.easyremote.client.Client;
import io.easyremote.cluster.nats.NatsServers;
import io.easyremote.cluster.nats.NatsUser;
import io.easyremote.gateway.ClusterConfig;
import io.easyremote.gateway.Gateway;
import io.easyremote.node.ComputeNode;
import io.nats.client.Connection;
import io.nats.client.Dispatcher;
import io.nats.client.Nats;
import io.nats.client.Options;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import org.HdrHistogram.Histogram;

/**
 * Scenario 14: a call forwarded between two gateways of a cluster against a local call and against
 * NATS request-reply across the same route, in one run. Gateways A and C each on its own server of
 * a 2-server NATS cluster; one node on C; one client calls {@code echo} (32 bytes) through C
 * (local) and through A (forwarded to C), one call at a time, the paths interleaved in rounds.
 * Everything runs in this benchmark's JVM (unlike scenario 1, where gateway and node are processes),
 * so the three paths are first warmed up together for the JIT warm-up time.
 */
final class ForwardScenario implements Scenario {
  private static final String PASSWORD = "bench-forward";
  private static final String SECRET = "bench-forward-cluster-secret-0123";

  @Override
  public String id() {
    return "forward";
  }

  @Override
  public Section run(Lab lab, Settings settings) throws Exception {
    int calls = settings.quick() ? 1000 : 5000;
    int rounds = settings.quick() ? 2 : 3;
    Section section = new Section(id(), "14. A call forwarded between gateways vs a local call vs NATS request-reply (one run)",
        "path", "p50 µs", "p99 µs");
    NatsServers.Builder builder = NatsServers.builder().servers(2);
    List.of("gw-a", "gw-c").forEach(id -> builder.user(NatsUser.gateway(id, PASSWORD)));
    builder.user(NatsUser.password("bench", PASSWORD, List.of(), List.of()));
    try (NatsServers nats = builder.start();
        Gateway c = gateway(nats, "gw-c", 1);
        Gateway a = gateway(nats, "gw-a", 0);
        ComputeNode node = ComputeNode.builder().gateway(c.address()).id("bench-c").register("echo", String.class, s -> s).build().start();
        Client local = Client.connect(c.address());
        Client forwarded = Client.connect(a.address());
        Connection requester = Nats.connect(new Options.Builder().server(nats.url(0)).userInfo("bench", PASSWORD).build());
        Connection responder = Nats.connect(new Options.Builder().server(nats.url(1)).userInfo("bench", PASSWORD).build())) {
      Dispatcher echo = responder.createDispatcher(m -> responder.publish(m.getReplyTo(), m.getData()));
      echo.subscribe("bench.echo");
      responder.flush(Duration.ofSeconds(5));
      long until = System.nanoTime() + Duration.ofSeconds(10).toNanos();
      while (a.clusterStats().remoteNodes() < 1 || requester.request("bench.echo", new byte[32], Duration.ofMillis(200)) == null) {
        if (System.nanoTime() > until) {
          throw new IllegalStateException("gateway A did not see C's node, or NATS did not route, within 10 s");
        }
        Thread.sleep(20);
      }
      String payload = "x".repeat(30); // 32 bytes of JSON
      byte[] raw = new byte[32];
      Histogram hLocal = new Histogram(60_000_000_000L, 3);
      Histogram hForward = new Histogram(60_000_000_000L, 3);
      Histogram hNats = new Histogram(60_000_000_000L, 3);
      // Every path warmed up alike, for the JIT warm-up time: the gateways and the node are fresh code in this JVM, and a
      // few thousand calls measure the JIT, not the paths (5,000 calls per path measured a cold local call at 500 µs).
      long warm = System.nanoTime() + settings.jitWarmup().toNanos();
      while (System.nanoTime() < warm) {
        for (int i = 0; i < 100; i++) {
          local.call("echo", String.class, payload);
          forwarded.call("echo", String.class, payload);
          requester.request("bench.echo", raw, Duration.ofSeconds(5));
        }
      }
      ThreadCpu cpuLocal = new ThreadCpu();
      ThreadCpu cpuForward = new ThreadCpu();
      for (int r = 0; r < rounds; r++) {
        cpuLocal.skip();
        for (int i = 0; i < calls / rounds; i++) {
          long t = System.nanoTime();
          local.call("echo", String.class, payload);
          hLocal.recordValue(System.nanoTime() - t);
        }
        cpuLocal.add();
        cpuForward.skip();
        for (int i = 0; i < calls / rounds; i++) {
          long t = System.nanoTime();
          forwarded.call("echo", String.class, payload);
          hForward.recordValue(System.nanoTime() - t);
        }
        cpuForward.add();
        for (int i = 0; i < calls / rounds; i++) {
          long t = System.nanoTime();
          if (requester.request("bench.echo", raw, Duration.ofSeconds(5)) == null) {
            throw new IllegalStateException("NATS request timed out");
          }
          hNats.recordValue(System.nanoTime() - t);
        }
      }
      section.row("local call: client → C → node", us(hLocal, 50), us(hLocal, 99));
      section.row("forwarded call: client → A → NATS (route) → C → node", us(hForward, 50), us(hForward, 99));
      section.row("NATS request-reply across the route, 32 B", us(hNats, 50), us(hNats, 99));
      double goal = us(hLocal, 50) + us(hNats, 50);
      section.note(String.format(Locale.ROOT, "Goal: forwarded ≤ local + one NATS request-reply = %.0f µs p50; measured %.0f µs (%s).", goal,
          us(hForward, 50), us(hForward, 50) <= goal ? "met" : "not met"));
      section.note(String.format(Locale.ROOT, "%,d calls per path, one at a time, in %d interleaved rounds, after %d s of warm-up of the three paths "
          + "together; calls forwarded by A: %,d.", calls, rounds, settings.jitWarmup().toSeconds(), a.clusterStats().forwarded()));
      int measured = calls / rounds * rounds;
      section.note("CPU per call in this JVM (gateways, node, client and NATS clients; not nats-server), by kind of thread "
          + "(µs ≥ 5 listed): local " + cpuLocal.perCall(measured, 5) + "; forwarded " + cpuForward.perCall(measured, 5) + ".");
    }
    return section;
  }

  private static Gateway gateway(NatsServers nats, String id, int server) {
    return Gateway.builder().port(0).registrationGrace(Duration.ZERO).drainTimeout(Duration.ofSeconds(1))
        .cluster(ClusterConfig.builder().servers(nats.urlsFrom(server)).noRandomize().gatewayId(id)
            .userPassword(id, PASSWORD.toCharArray()).secret(SECRET.toCharArray()).build())
        .build().start();
  }

  private static double us(Histogram h, double percentile) {
    return h.getValueAtPercentile(percentile) / 1000.0;
  }
}
