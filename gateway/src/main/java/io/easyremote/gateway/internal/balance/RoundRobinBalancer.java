package io.easyremote.gateway.internal.balance;

import java.util.HashMap;
import java.util.List;
import java.util.Map;

/** Takes the candidates in turn, one counter per function. Guarded by the caller's lock. */
public final class RoundRobinBalancer<N extends Candidate> implements Balancer<N> {
  private final Map<String, int[]> counters = new HashMap<>();

  @Override
  public N pick(String function, List<N> candidates, long nowNanos) {
    int[] counter = counters.computeIfAbsent(function, f -> new int[1]);
    int index = Math.floorMod(counter[0]++, candidates.size());
    return candidates.get(index);
  }
}
