package io.easyremote.gateway.internal.core;

/**
 * Limits failover re-dispatches so an outage cannot multiply load: each call earns {@code ratio}
 * of a re-dispatch, and a small floor per second is always available. A token bucket, capped so a
 * long quiet spell cannot bank an avalanche. (The client's retry budget is another algorithm: a
 * sliding window of its own calls.) Not thread-safe: its owner guards it.
 */
final class FailoverBudget {
  private final double ratio;
  private final double floorPerSecond;
  private final double cap;
  private double tokens;
  private long lastRefillNanos;

  FailoverBudget(double ratio, double floorPerSecond, double cap, long nowNanos) {
    this.ratio = ratio;
    this.floorPerSecond = floorPerSecond;
    this.cap = cap;
    this.tokens = cap / 2;
    this.lastRefillNanos = nowNanos;
  }

  /** A new call arrived: it earns a share of a re-dispatch. */
  void onCall() {
    tokens = Math.min(cap, tokens + ratio);
  }

  /** Spends one re-dispatch if the budget allows it. */
  boolean tryFailover(long nowNanos) {
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
