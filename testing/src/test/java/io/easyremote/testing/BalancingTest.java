package io.easyremote.testing;

import static org.assertj.core.api.Assertions.assertThat;

import io.easyremote.protocol.ErrorCode;
import io.easyremote.protocol.Strategy;
import java.time.Duration;
import java.util.EnumMap;
import java.util.Map;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;

/** Strategies send calls where they will be served best, and never to a node that keeps failing. */
class BalancingTest {

  private record Outcome(double slowShare, double p50, double p99, double mean, int failures) {}

  /** Three nodes, one of them five times slower, behind a gateway using {@code strategy}. */
  private static final class Heterogeneous implements AutoCloseable {
    final Worker fast1 = Worker.slowedBy(1);
    final Worker fast2 = Worker.slowedBy(1);
    final Worker slow = Worker.slowedBy(5);
    final TestCluster cluster;
    final java.util.List<Double> latencies = new java.util.ArrayList<>();
    int served;
    int servedBySlow;
    int failures;

    Heterogeneous(Strategy strategy) throws Exception {
      cluster = TestCluster.builder()
          .gateway(g -> g.defaultStrategy(strategy))
          .node("fast-1", n -> n.register(fast1).maxConcurrency(4))
          .node("fast-2", n -> n.register(fast2).maxConcurrency(4))
          .node("slow", n -> n.register(slow).maxConcurrency(4))
          .build().start();
      Load.run(cluster.client(), 8, 6, c -> c.call("work", Integer.class, 10)); // every node learns its latency
    }

    /** One round of load, counted. */
    void round(int callsEach) throws Exception {
      int before = fast1.served.get() + fast2.served.get() + slow.served.get();
      int slowBefore = slow.served.get();
      Load.Result result = Load.run(cluster.client(), 8, callsEach, c -> c.call("work", Integer.class, 10));
      served += fast1.served.get() + fast2.served.get() + slow.served.get() - before;
      servedBySlow += slow.served.get() - slowBefore;
      failures += result.failures();
      for (double l : result.latenciesMillis()) {
        latencies.add(l);
      }
    }

    Outcome outcome() {
      Load.Result all = new Load.Result(latencies.stream().mapToDouble(Double::doubleValue).toArray(), failures);
      return new Outcome(servedBySlow / (double) served, all.percentile(50), all.percentile(99), all.mean(), failures);
    }

    @Override
    public void close() {
      cluster.close();
    }
  }

  @Test
  void slowNode_smartAndLatency_sendItMarkedlyFewerCalls_andCallersWaitLess_thanRoundRobin() throws Exception {
    // The three gateways run side by side and take turns, round by round, so that a burst of load
    // from elsewhere on the machine falls on every strategy alike instead of on whichever ran then.
    Map<Strategy, Outcome> outcomes = new EnumMap<>(Strategy.class);
    Strategy[] strategies = {Strategy.ROUND_ROBIN, Strategy.LATENCY, Strategy.SMART};
    Map<Strategy, Heterogeneous> setups = new EnumMap<>(Strategy.class);
    try {
      for (Strategy strategy : strategies) {
        setups.put(strategy, new Heterogeneous(strategy));
      }
      for (int round = 0; round < 10; round++) {
        for (int k = 0; k < strategies.length; k++) {
          setups.get(strategies[(round + k) % strategies.length]).round(8);
        }
      }
      setups.forEach((strategy, setup) -> outcomes.put(strategy, setup.outcome()));
    } finally {
      for (Heterogeneous setup : setups.values()) {
        setup.close();
      }
    }
    outcomes.forEach((strategy, o) -> System.out.printf("SLOW NODE %s: slow share %.1f%%, p50 %.1f ms, p99 %.1f ms, mean %.1f ms, failures %d%n",
        strategy.wireName(), o.slowShare() * 100, o.p50(), o.p99(), o.mean(), o.failures()));
    Outcome rr = outcomes.get(Strategy.ROUND_ROBIN);
    // Round robin skips a busy node, so the slow node (busy longer) gets somewhat less than a third.
    assertThat(rr.slowShare()).as("round robin: %s", outcomes).isBetween(0.12, 0.42);
    // Latency sends the slow node about 5% of the calls here, smart 6–11%: its wider tie band (nodes within 25% of each
    // other are equals, so noise does not starve a good node) probes the slow one more. Round robin sends it 21–25%. Over
    // 640 calls each a share varies by a point or two, so half of round robin's share would fail smart now and then.
    Map<Strategy, Double> mostOfRoundRobin = Map.of(Strategy.LATENCY, 0.5, Strategy.SMART, 2.0 / 3);
    for (Strategy smart : new Strategy[] {Strategy.LATENCY, Strategy.SMART}) {
      Outcome o = outcomes.get(smart);
      assertThat(o.failures()).isZero();
      assertThat(o.slowShare()).as("%s slow share vs round robin: %s", smart, outcomes)
          .isLessThan(rr.slowShare() * mostOfRoundRobin.get(smart));
      // The mean, not p99: with a few percent of calls still on the slow node (exploration), p99 is a
      // slow call under every strategy and comparing two of them is a coin toss.
      assertThat(o.mean()).as("%s mean latency vs round robin: %s", smart, outcomes).isLessThan(rr.mean());
    }
  }

  @Test
  void leastLoaded_capacitiesOneAndFour_sendsRoughlyFourTimesTheWorkToTheBiggerNode() throws Exception {
    Worker small = Worker.slowedBy(1);
    Worker big = Worker.slowedBy(1);
    try (TestCluster cluster = TestCluster.builder()
        .gateway(g -> g.defaultStrategy(Strategy.LEAST_LOADED))
        .node("small", n -> n.register(small).maxConcurrency(1))
        .node("big", n -> n.register(big).maxConcurrency(4))
        .build().start()) {
      Load.Result result = Load.run(cluster.client(), 8, 25, c -> c.call("work", Integer.class, 20));
      assertThat(result.failures()).isZero();
      double ratio = big.served.get() / (double) small.served.get();
      assertThat(ratio).as("big %d vs small %d", big.served.get(), small.served.get()).isBetween(2.5, 6.5);
      assertThat(big.maxRunning.get()).isEqualTo(4);
      assertThat(small.maxRunning.get()).isEqualTo(1);
    }
  }

  @Test
  void failingNode_getsFewCallsAndIsEjected_thenReadmittedAfterBackoff() throws Exception {
    for (Strategy strategy : new Strategy[] {Strategy.SMART, Strategy.LATENCY}) {
      Worker broken = Worker.failing();
      try (TestCluster cluster = TestCluster.builder()
          .gateway(g -> g.defaultStrategy(strategy).ejection(5, Duration.ofMillis(700)))
          .node("ok-1", n -> n.register(Worker.slowedBy(1)))
          .node("ok-2", n -> n.register(Worker.slowedBy(1)))
          .node("broken", n -> n.register(broken))
          .build().start()) {
        Load.Result result = Load.run(cluster.client(), 1, 150, c -> c.call("work", Integer.class, 2));
        assertThat(broken.served.get()).as("%s: calls that reached the failing node", strategy).isBetween(1, 15);
        assertThat(result.failures()).isEqualTo(broken.served.get());
      }
    }
    Worker broken = Worker.failing();
    try (TestCluster cluster = TestCluster.builder()
        .gateway(g -> g.ejection(5, Duration.ofMillis(500)))
        .node("ok", n -> n.register(Worker.slowedBy(1)))
        .node("broken", n -> n.register(broken))
        .build().start()) {
      for (int i = 0; i < 5; i++) {
        try {
          cluster.client().callNode("broken", "work", Integer.class, 1);
        } catch (io.easyremote.protocol.RemoteException expected) {
          assertThat(expected.code()).isEqualTo(ErrorCode.FUNCTION_FAILED);
        }
      }
      assertThat(cluster.client().node("broken").state()).isEqualTo("EJECTED");
      for (int i = 0; i < 20; i++) {
        assertThat(cluster.client().callDetailed("work", Integer.class, 1).nodeId()).isEqualTo("ok");
      }
      Awaitility.await().atMost(Duration.ofSeconds(3))
          .until(() -> !cluster.client().node("broken").state().equals("EJECTED"));
    }
  }
}
