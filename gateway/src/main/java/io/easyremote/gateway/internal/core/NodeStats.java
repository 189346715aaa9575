package io.easyremote.gateway.internal.core;

import com.google.errorprone.annotations.concurrent.GuardedBy;
import io.easyremote.gateway.internal.balance.LatencyEstimator;
import java.util.concurrent.locks.ReentrantLock;

/**
 * How a node has served: latency, error rate, counts, and its ejection after consecutive failures
 * (a back-off that doubles on each repeat, up to 30 s). Guarded by the routing lock; every method
 * takes it.
 */
final class NodeStats {
  private static final double ERROR_RATE_WEIGHT = 0.1;
  private static final long MAX_EJECTION_NANOS = 30_000_000_000L;
  /** The latency a failed call counts as, at least: a node that fails fast must not look fast. */
  static final double PENALTY_MILLIS = 1000;

  private final ReentrantLock routing;
  @GuardedBy("routing")
  private final LatencyEstimator latency = new LatencyEstimator(PENALTY_MILLIS);
  @GuardedBy("routing")
  private long callsServed;
  @GuardedBy("routing")
  private long callsFailed;
  @GuardedBy("routing")
  private double errorRate;
  @GuardedBy("routing")
  private int consecutiveFailures;
  @GuardedBy("routing")
  private int ejections;
  @GuardedBy("routing")
  private long ejectedUntilNanos;

  NodeStats(ReentrantLock routing) {
    this.routing = routing;
  }

  /** A consistent copy, for status listings. */
  record Snapshot(long callsServed, long callsFailed, double latencyMillis, double errorRate, int consecutiveFailures) {}

  /**
   * Records a finished call's latency and outcome. Returns true when this failure ejects the node.
   *
   * @param failed the node's fault: the function threw or the node failed internally
   */
  boolean record(double millis, boolean failed, long nowNanos, int ejectAfter, long backoffNanos) {
    routing.lock();
    try {
      latency.observe(millis, failed, nowNanos);
      errorRate += ERROR_RATE_WEIGHT * ((failed ? 1 : 0) - errorRate);
      if (!failed) {
        callsServed++;
        consecutiveFailures = 0;
        return false;
      }
      callsFailed++;
      consecutiveFailures++;
      if (ejectAfter > 0 && consecutiveFailures >= ejectAfter && !isEjected(nowNanos)) {
        long length = Math.min(MAX_EJECTION_NANOS, backoffNanos << Math.min(ejections, 10));
        ejections++;
        ejectedUntilNanos = nowNanos + length;
        consecutiveFailures = 0;
        return true;
      }
      return false;
    } finally {
      routing.unlock();
    }
  }

  boolean isEjected(long nowNanos) {
    routing.lock();
    try {
      return ejectedUntilNanos != 0 && nowNanos < ejectedUntilNanos;
    } finally {
      routing.unlock();
    }
  }

  /** When its ejection ends (meaningful right after {@link #record} returned true). */
  long ejectedUntilNanos() {
    routing.lock();
    try {
      return ejectedUntilNanos;
    } finally {
      routing.unlock();
    }
  }

  /** The latency estimate balancers compare. */
  double latencyMillis(long nowNanos) {
    routing.lock();
    try {
      return latency.estimate(nowNanos);
    } finally {
      routing.unlock();
    }
  }

  /** A balancer passed this idle node over on its latency score ({@link LatencyEstimator#passedOver}). */
  void passedOver() {
    routing.lock();
    try {
      latency.passedOver();
    } finally {
      routing.unlock();
    }
  }

  /** The latency shown in listings and used for retry-after hints. */
  double displayLatencyMillis() {
    routing.lock();
    try {
      return latency.displayMillis();
    } finally {
      routing.unlock();
    }
  }

  double errorRate() {
    routing.lock();
    try {
      return errorRate;
    } finally {
      routing.unlock();
    }
  }

  Snapshot snapshot() {
    routing.lock();
    try {
      return new Snapshot(callsServed, callsFailed, latency.displayMillis(), errorRate, consecutiveFailures);
    } finally {
      routing.unlock();
    }
  }
}
