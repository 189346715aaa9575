package io.easyremote.gateway.internal.balance;

import io.easyremote.protocol.NodeResources;

/** What a balancer may know about a node. Read under the scheduler lock. */
public interface Candidate {
  /** The node id. */
  String id();

  /** Calls running on the node now. */
  int inFlight();

  /** The most calls it runs at once. */
  int capacity();

  /** Estimated service time in milliseconds, or {@link Double#NaN} while still unknown. */
  double latencyMillis(long nowNanos);

  /** Exponentially weighted share of failed calls, 0..1. */
  double errorRate();

  /** The declared cost per call. */
  double cost();

  /** The latest heartbeat's resources. */
  NodeResources resources();

  /** Share of traffic during warm-up, 0 < weight <= 1. */
  double weight(long nowNanos);

  /**
   * A latency-weighing balancer chose another node over this idle one on the strength of its
   * score: this node's latency estimate grows more optimistic until its next call refreshes it
   * ({@link LatencyEstimator#passedOver}). Called under the scheduler lock.
   */
  default void passedOver() {}
}
