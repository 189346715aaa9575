package io.easyremote.client;

import io.easyremote.protocol.ErrorCode;
import io.easyremote.protocol.RemoteException;
import java.time.Duration;
import java.util.Objects;

/**
 * When and how a client retries a failed call. A client retries nothing unless given a policy,
 * with {@link Client.Builder#retry} or per copy with {@link CallOptions.Builder#retry}.
 *
 * <pre>{@code
 * Client client = Client.builder().gateway("gw.example.com:8080")
 *     .retry(RetryPolicy.builder().maxAttempts(5).build())
 *     .build();
 * }</pre>
 *
 * <p><b>What is retried.</b>
 * <ul>
 *   <li>Failures that certainly never ran ({@link RemoteException#reachedNode()} false) with code
 *       {@link ErrorCode#UNAVAILABLE}, {@link ErrorCode#OVERLOADED} or {@link ErrorCode#NODE_LOST}:
 *       always.
 *   <li>Failures that may have run ({@code reachedNode()} true) with code {@code NODE_LOST} or
 *       {@code UNAVAILABLE}: only when the function is declared idempotent (the client asks the
 *       gateway's function list when it first needs to know, and remembers the answer for 30
 *       seconds), when the call carries an {@link CallOptions#idempotencyKey() idempotency key},
 *       or when {@link Builder#retryNonIdempotent} allows it.
 *   <li>Nothing else: not {@code FUNCTION_FAILED}, {@code INVALID_ARGUMENTS},
 *       {@code INVALID_REQUEST}, {@code FUNCTION_NOT_FOUND}, {@code NO_NODE_AVAILABLE},
 *       {@code PAYLOAD_TOO_LARGE}, {@code DEADLINE_EXCEEDED}, {@code CANCELLED} nor
 *       authentication failures.
 * </ul>
 *
 * <p><b>When.</b> Before retry {@code n} (1, 2, ...) the client waits a random time between 0 and
 * {@code min(maxBackoff, initialBackoff × 2^(n-1))} ("full jitter"), and at least the
 * {@link RemoteException#retryAfterMillis()} an {@code OVERLOADED} answer suggests. Every attempt
 * runs with the time left of the call's one deadline; a retry that could not start before the
 * deadline is not made, and the call fails with its last error. Retries are limited by the
 * {@link SlidingWindowRetryBudget}. Asynchronous calls wait between attempts without holding a thread.
 *
 * <p>The policy is also sent to the gateway ({@code CallRequest.retry}), which may then move a
 * call from a lost node to another one by the same rules. Streams are not retried by the client.
 * Immutable and thread-safe.
 */
public final class RetryPolicy {
  /** No retries: one attempt. The client's default. */
  public static final RetryPolicy NONE = new Builder().maxAttempts(1).build();

  /** The most attempts a policy may allow. */
  public static final int MAX_ATTEMPTS = 100;

  private final int maxAttempts;
  private final Duration initialBackoff;
  private final Duration maxBackoff;
  private final boolean retryNonIdempotent;
  private final SlidingWindowRetryBudget budget;

  private RetryPolicy(Builder b) {
    this.maxAttempts = b.maxAttempts;
    this.initialBackoff = b.initialBackoff;
    this.maxBackoff = b.maxBackoff;
    this.retryNonIdempotent = b.retryNonIdempotent;
    this.budget = b.budget;
  }

  /**
   * A builder with the defaults: 3 attempts, backoff from 50 ms up to 2 s, only calls that are
   * safe to repeat, and {@link SlidingWindowRetryBudget#DEFAULT}.
   */
  public static Builder builder() {
    return new Builder();
  }

  /** A builder starting from this policy. */
  public Builder toBuilder() {
    return new Builder().maxAttempts(maxAttempts).backoff(initialBackoff, maxBackoff)
        .retryNonIdempotent(retryNonIdempotent).budget(budget);
  }

  /** Attempts in all, the first included; 1 means no retries. */
  public int maxAttempts() {
    return maxAttempts;
  }

  /** The backoff ceiling before the first retry; it doubles for each further retry. */
  public Duration initialBackoff() {
    return initialBackoff;
  }

  /** The highest backoff ceiling. */
  public Duration maxBackoff() {
    return maxBackoff;
  }

  /** Whether failures that may have run are retried for any function, idempotent or not. */
  public boolean retryNonIdempotent() {
    return retryNonIdempotent;
  }

  /** How many retries the client may add to its calls. */
  public SlidingWindowRetryBudget budget() {
    return budget;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof RetryPolicy p && p.maxAttempts == maxAttempts && p.initialBackoff.equals(initialBackoff)
        && p.maxBackoff.equals(maxBackoff) && p.retryNonIdempotent == retryNonIdempotent && p.budget.equals(budget);
  }

  @Override
  public int hashCode() {
    return Objects.hash(maxAttempts, initialBackoff, maxBackoff, retryNonIdempotent, budget);
  }

  @Override
  public String toString() {
    return "RetryPolicy{maxAttempts=" + maxAttempts + ", backoff=" + initialBackoff.toMillis() + ".."
        + maxBackoff.toMillis() + " ms" + (retryNonIdempotent ? ", retryNonIdempotent" : "") + ", " + budget + "}";
  }

  /** Builds a {@link RetryPolicy}. Not thread-safe. Every setter rejects a bad value at once. */
  public static final class Builder {
    private int maxAttempts = 3;
    private Duration initialBackoff = Duration.ofMillis(50);
    private Duration maxBackoff = Duration.ofSeconds(2);
    private boolean retryNonIdempotent;
    private SlidingWindowRetryBudget budget = SlidingWindowRetryBudget.DEFAULT;

    private Builder() {}

    /**
     * Attempts in all, the first included (default 3).
     *
     * @throws IllegalArgumentException unless 1 to {@link #MAX_ATTEMPTS}
     */
    public Builder maxAttempts(int maxAttempts) {
      if (maxAttempts < 1 || maxAttempts > MAX_ATTEMPTS) {
        throw new IllegalArgumentException("maxAttempts must be 1 to " + MAX_ATTEMPTS + ": " + maxAttempts);
      }
      this.maxAttempts = maxAttempts;
      return this;
    }

    /**
     * The backoff ceiling before the first retry (default 50 ms).
     *
     * @throws IllegalArgumentException unless more than zero
     */
    public Builder initialBackoff(Duration initial) {
      this.initialBackoff = positive("initialBackoff", initial);
      return this;
    }

    /**
     * The highest backoff ceiling (default 2 s); must not be below the initial backoff when built.
     *
     * @throws IllegalArgumentException unless more than zero
     */
    public Builder maxBackoff(Duration max) {
      this.maxBackoff = positive("maxBackoff", max);
      return this;
    }

    /**
     * Both backoff bounds at once.
     *
     * @throws IllegalArgumentException unless {@code 0 < initial <= max}
     */
    public Builder backoff(Duration initial, Duration max) {
      initialBackoff(initial);
      maxBackoff(max);
      checkBackoff();
      return this;
    }

    /**
     * Whether failures that may have run ({@code NODE_LOST}, {@code UNAVAILABLE} mid-call) are
     * retried even for functions not declared idempotent (default false). Only for functions that
     * are safe to run twice.
     */
    public Builder retryNonIdempotent(boolean retry) {
      this.retryNonIdempotent = retry;
      return this;
    }

    /** The retry budget (default {@link SlidingWindowRetryBudget#DEFAULT}). */
    public Builder budget(SlidingWindowRetryBudget budget) {
      this.budget = Objects.requireNonNull(budget, "budget");
      return this;
    }

    /**
     * The retry budget's ratio and floor, keeping its window.
     *
     * @throws IllegalArgumentException as {@link SlidingWindowRetryBudget} does
     */
    public Builder budget(double ratio, int minRetriesPerSecond) {
      return budget(new SlidingWindowRetryBudget(ratio, budget.window(), minRetriesPerSecond));
    }

    /**
     * The policy.
     *
     * @throws IllegalArgumentException when the initial backoff is above the maximum
     */
    public RetryPolicy build() {
      checkBackoff();
      return new RetryPolicy(this);
    }

    private void checkBackoff() {
      if (initialBackoff.compareTo(maxBackoff) > 0) {
        throw new IllegalArgumentException(
            "initialBackoff must not exceed maxBackoff: " + initialBackoff + " > " + maxBackoff);
      }
    }

    private static Duration positive(String name, Duration d) {
      Objects.requireNonNull(d, name);
      if (d.isNegative() || d.isZero()) {
        throw new IllegalArgumentException(name + " must be > 0: " + d);
      }
      return d;
    }
  }
}
