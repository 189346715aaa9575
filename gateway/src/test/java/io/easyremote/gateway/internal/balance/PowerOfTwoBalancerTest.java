package io.easyremote.gateway.internal.balance;

import static org.assertj.core.api.Assertions.assertThat;

import io.easyremote.protocol.NodeResources;
import io.easyremote.protocol.Strategy;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class PowerOfTwoBalancerTest {
  /** A node with fixed figures. */
  record Fake(String id, int inFlight, int capacity, double latency, double errorRate, double cost) implements Candidate {
    @Override
    public double latencyMillis(long nowNanos) {
      return latency;
    }

    @Override
    public NodeResources resources() {
      return NodeResources.UNKNOWN;
    }

    @Override
    public double weight(long nowNanos) {
      return 1;
    }
  }

  private static Map<String, Integer> picks(Strategy strategy, List<Fake> nodes, int times) {
    Balancer<Fake> balancer = new Balancers<Fake>().get(strategy);
    Map<String, Integer> counts = new HashMap<>();
    for (int i = 0; i < times; i++) {
      counts.merge(balancer.pick("f", nodes, System.nanoTime()).id(), 1, Integer::sum);
    }
    return counts;
  }

  @Test
  void smart_equivalentIdleNodes_shareTheTraffic() {
    Map<String, Integer> counts = picks(Strategy.SMART, List.of(new Fake("a", 0, 1, 0.4, 0, 0), new Fake("b", 0, 4, 1.6, 0, 0)), 1000);
    assertThat(counts.get("a")).isBetween(400, 600);
    Map<String, Integer> unknown = picks(Strategy.SMART, List.of(new Fake("a", 0, 1, Double.NaN, 0, 0), new Fake("b", 0, 4, 0.5, 0, 0)), 1000);
    assertThat(unknown.get("a")).isBetween(400, 600);
  }

  @Test
  void smart_clearlySlowerOrFailingNode_isAvoided() {
    assertThat(picks(Strategy.SMART, List.of(new Fake("fast", 0, 4, 10, 0, 0), new Fake("slow", 0, 4, 50, 0, 0)), 1000))
        .doesNotContainKey("slow");
    assertThat(picks(Strategy.SMART, List.of(new Fake("ok", 0, 4, 10, 0, 0), new Fake("failing", 0, 4, 10, 0.5, 0)), 1000))
        .doesNotContainKey("failing");
  }

  @Test
  void leastLoaded_prefersFreeCapacity_andCostAwareTheCheapest() {
    assertThat(picks(Strategy.LEAST_LOADED, List.of(new Fake("small", 0, 1, 1, 0, 0), new Fake("big", 2, 4, 1, 0, 0)), 100))
        .containsOnlyKeys("big");
    assertThat(picks(Strategy.COST_AWARE, List.of(new Fake("dear", 0, 4, 1, 0, 5), new Fake("cheap", 3, 4, 1, 0, 1)), 100))
        .containsOnlyKeys("cheap");
  }
}
