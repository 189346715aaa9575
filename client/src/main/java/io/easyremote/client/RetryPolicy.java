package io.easyremote.client;

import java.time.Duration;
import java.util.Objects;

/**
 * When and how a client retries a failed call. Retries never outlive the call's deadline and are
 * limited by a retry budget shared by the whole client (retries may add at most
 * {@code budgetRatio} of the calls made, plus a small floor per second), so an outage cannot
 * multiply the load on a gateway.
 *
 * <p>What is retried: failures that certainly did not run ({@code reachedNode() == false}) with
 * code {@code UNAVAILABLE} or {@code OVERLOADED} (after its retry-after hint), always; failures
 * that may have run ({@code NODE_LOST}, or {@code UNAVAILABLE} mid-call) only for functions the
 * gateway lists as idempotent, or when {@link Builder#retryNonIdempotent} allows it. Nothing else
 * ({@code FUNCTION_FAILED}, {@code INVALID_ARGUMENTS}, ...) is retried. Immutable.
 *
 * <pre>{@code
 * Client client = Client.builder().gateway("gw:8080").retry(RetryPolicy.builder().maxAttempts(5).build()).build();
 * }</pre>
 *
 * @param maxAttempts attempts in all, the first included (1 = no retries)
 * @param initialBackoff the first backoff; each retry waits a random time up to twice the previous ceiling
 * @param maxBackoff the longest backoff ceiling
 * @param retryNonIdempotent whether failures that may have run are retried for any function
 * @param budgetRatio retries allowed per call made, over time (e.g. 0.2)
 * @param minRetriesPerSecond retries always allowed per second, whatever the ratio
 */
public record RetryPolicy(int maxAttempts, Duration initialBackoff, Duration maxBackoff, boolean retryNonIdempotent,
    double budgetRatio, double minRetriesPerSecond) {

  /** No retries (the default). */
  public static final RetryPolicy NONE = new RetryPolicy(1, Duration.ofMillis(50), Duration.ofSeconds(2), false, 0.2, 5);

  public RetryPolicy {
    if (maxAttempts < 1) {
      throw new IllegalArgumentException("maxAttempts must be >= 1: " + maxAttempts);
    }
    Objects.requireNonNull(initialBackoff, "initialBackoff");
    Objects.requireNonNull(maxBackoff, "maxBackoff");
    if (initialBackoff.isNegative() || initialBackoff.isZero() || maxBackoff.compareTo(initialBackoff) < 0) {
      throw new IllegalArgumentException("backoff must be 0 < initial <= max: " + initialBackoff + ", " + maxBackoff);
    }
    if (budgetRatio < 0 || minRetriesPerSecond < 0) {
      throw new IllegalArgumentException("retry budget must be >= 0");
    }
  }

  /** A policy builder: 3 attempts, 50 ms doubling to 2 s, budget 20% plus 5 per second. */
  public static Builder builder() {
    return new Builder();
  }

  /** Builds a {@link RetryPolicy}. */
  public static final class Builder {
    private int maxAttempts = 3;
    private Duration initialBackoff = Duration.ofMillis(50);
    private Duration maxBackoff = Duration.ofSeconds(2);
    private boolean retryNonIdempotent;
    private double budgetRatio = 0.2;
    private double minRetriesPerSecond = 5;

    private Builder() {}

    public Builder maxAttempts(int maxAttempts) {
      this.maxAttempts = maxAttempts;
      return this;
    }

    public Builder backoff(Duration initial, Duration max) {
      this.initialBackoff = initial;
      this.maxBackoff = max;
      return this;
    }

    /** Retries failures that may have run, even for functions not declared idempotent. */
    public Builder retryNonIdempotent(boolean retry) {
      this.retryNonIdempotent = retry;
      return this;
    }

    /** The retry budget: retries per call made, plus a floor per second. */
    public Builder budget(double ratio, double minPerSecond) {
      this.budgetRatio = ratio;
      this.minRetriesPerSecond = minPerSecond;
      return this;
    }

    public RetryPolicy build() {
      return new RetryPolicy(maxAttempts, initialBackoff, maxBackoff, retryNonIdempotent, budgetRatio, minRetriesPerSecond);
    }
  }
}
