package io.easyremote.gateway.internal.balance;

import java.util.List;

/**
 * Chooses one node among candidates that all offer the function, match the call's requirements
 * and have a free slot. Called under the scheduler lock: must be fast and must not block.
 *
 * @param <N> the node type
 */
public interface Balancer<N extends Candidate> {
  /** Picks one of {@code candidates} (never empty) for a call to {@code function}. */
  N pick(String function, List<N> candidates, long nowNanos);
}
