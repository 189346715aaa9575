package io.easyremote.gateway.internal.core;

/**
 * Limits re-dispatches (failover) so an outage cannot multiply load: each call earns
 * {@code ratio} of a retry, and a small floor per second is always available. A token bucket,
 * capped so a long quiet spell cannot bank an avalanche. Guarded by the scheduler lock.
 */
final class RetryBudget {
  private final double ratio;
  private final double floorPerSecond;
  private final double cap;
  private double tokens;
  private long lastRefillNanos = System.nanoTime();

  RetryBudget(double ratio, double floorPerSecond, double cap) {
    this.ratio = ratio;
    this.floorPerSecond = floorPerSecond;
    this.cap = cap;
    this.tokens = cap / 2;
  }

  /** A new call arrived: it earns a share of a retry. */
  void onCall() {
    tokens = Math.min(cap, tokens + ratio);
  }

  /** Spends one retry if the budget allows it. */
  boolean tryRetry(long nowNanos) {
    double seconds = (nowNanos - lastRefillNanos) / 1e9;
    lastRefillNanos = nowNanos;
    tokens = Math.min(cap, tokens + seconds * floorPerSecond);
    if (tokens >= 1) {
      tokens -= 1;
      return true;
    }
    return false;
  }
}
