package io.easyremote.gateway.internal.balance;

import io.easyremote.protocol.Strategy;
import java.util.EnumMap;
import java.util.Map;

/** One balancer per {@link Strategy}, created once per gateway. Guarded by the scheduler lock. */
public final class Balancers<N extends Candidate> {
  private final Map<Strategy, Balancer<N>> byStrategy = new EnumMap<>(Strategy.class);

  public Balancers() {
    byStrategy.put(Strategy.ROUND_ROBIN, new RoundRobinBalancer<>());
    byStrategy.put(Strategy.LEAST_LOADED, new PowerOfTwoBalancer<N>(Scores::leastLoaded, 1.0, 1e-9, false));
    // Latency scores are in milliseconds: sub-millisecond differences are noise, not signal.
    byStrategy.put(Strategy.LATENCY, new PowerOfTwoBalancer<N>(Scores::latency, 1.1, 0.5, true));
    // Smart treats nodes within 2 ms (or 25%) of each other as equals: measured service times of
    // identical machines differ that much by noise alone, and chasing noise starves a good node.
    byStrategy.put(Strategy.SMART, new PowerOfTwoBalancer<N>(Scores::smart, 1.25, 2.0, true));
    byStrategy.put(Strategy.RESOURCE_AWARE, new PowerOfTwoBalancer<N>(Scores::resources, 1.0, 0.02, false));
    byStrategy.put(Strategy.COST_AWARE, new CheapestBalancer<>());
  }

  /** The balancer for a strategy. */
  public Balancer<N> get(Strategy strategy) {
    return byStrategy.get(strategy);
  }
}
