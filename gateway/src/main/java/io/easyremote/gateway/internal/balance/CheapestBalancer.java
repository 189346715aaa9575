package io.easyremote.gateway.internal.balance;

import java.util.List;

/** Picks the lowest declared cost; among equal costs the lowest {@code (in_flight + 1) / capacity}. */
public final class CheapestBalancer<N extends Candidate> implements Balancer<N> {
  @Override
  public N pick(String function, List<N> candidates, long nowNanos) {
    N best = null;
    for (N node : candidates) {
      if (best == null || node.cost() < best.cost()
          || (node.cost() == best.cost() && Scores.load(node) < Scores.load(best))) {
        best = node;
      }
    }
    return best;
  }
}
