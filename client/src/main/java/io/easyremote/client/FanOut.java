package io.easyremote.client;

import io.easyremote.protocol.ErrorCode;
import java.time.Duration;
import java.util.Objects;
import java.util.function.Consumer;

/**
 * How a fan-out runs: the in-flight window, retries and failure handling of
 * {@link Client#map(String, Class, Iterable, FanOut) map}, its progress listener, and the quorum
 * and time limit of {@link Client#broadcast(String, Class, FanOut, Object...) broadcast}. Routing
 * (strategy, requirements), the per-call deadline and the API key come from the client copy, as for
 * any call.
 *
 * <pre>{@code
 * MapRun<Integer> squares = client.map("square", Integer.class, inputs, FanOut.builder()
 *     .window(32)                                   // at most 32 items in flight
 *     .failFast(true)                               // the first failed item stops the map
 *     .onProgress(p -> System.err.println(p))       // every 500 ms and once at the end
 *     .build());
 * Gathered<String> grads = client.broadcast("gradient", String.class,
 *     FanOut.builder().quorum(3).within(Duration.ofSeconds(10)).build(), step);   // 3 of N within 10 s
 * }</pre>
 *
 * <p>Defaults ({@link #DEFAULT}): the window is the free capacity the gateway reports for the
 * function when the map starts (its nodes' free slots), items are retried under a
 * {@link RetryPolicy} of 3 attempts (so only failures that are safe to repeat: the call never ran,
 * or the function is idempotent), a failed item does not stop the map, no listener, and a broadcast
 * needs every matching node within the client's deadline. Immutable and thread-safe.
 */
public final class FanOut {
  /** The largest window accepted: 4,096 items in flight. */
  public static final int MAX_WINDOW = 4096;
  /** How often the progress listener hears by default: every 500 ms. */
  public static final Duration DEFAULT_PROGRESS_EVERY = Duration.ofMillis(500);
  /** Every default: see the class description. */
  public static final FanOut DEFAULT = new Builder().build();

  private final int window;
  private final boolean failFast;
  private final RetryPolicy retry;
  private final Consumer<MapRun.Progress> progress;
  private final Duration progressEvery;
  private final int quorum;
  private final Duration within;

  private FanOut(Builder b) {
    window = b.window;
    failFast = b.failFast;
    retry = b.retry;
    progress = b.progress;
    progressEvery = b.progressEvery;
    quorum = b.quorum;
    within = b.within;
  }

  /** A builder with every default. */
  public static Builder builder() {
    return new Builder();
  }

  /** A builder starting from these settings. */
  public Builder toBuilder() {
    Builder b = new Builder();
    b.window = window;
    b.failFast = failFast;
    b.retry = retry;
    b.progress = progress;
    b.progressEvery = progressEvery;
    b.quorum = quorum;
    b.within = within;
    return b;
  }

  /** Items a map keeps in flight at most; 0 means the free capacity the gateway reports. */
  public int window() {
    return window;
  }

  /** Whether the first item that fails for good stops the map. */
  public boolean failFast() {
    return failFast;
  }

  /** The retry policy of each item, or null for the default (3 attempts, safe failures only). */
  public RetryPolicy retry() {
    return retry;
  }

  /** The progress listener, or null. */
  public Consumer<MapRun.Progress> progress() {
    return progress;
  }

  /** How often the progress listener hears. */
  public Duration progressEvery() {
    return progressEvery;
  }

  /** The successes a broadcast needs; 0 means every matching node. */
  public int quorum() {
    return quorum;
  }

  /** How long a broadcast may gather, or null for the client's deadline. */
  public Duration within() {
    return within;
  }

  @Override
  public String toString() {
    return "FanOut{window=" + (window == 0 ? "auto" : window) + (failFast ? ", failFast" : "")
        + (retry == null ? "" : ", retry=" + retry) + (progress == null ? "" : ", progress every " + progressEvery.toMillis() + " ms")
        + ", quorum=" + (quorum == 0 ? "all" : quorum) + (within == null ? "" : ", within " + within.toMillis() + " ms") + "}";
  }

  /**
   * Builds {@link FanOut}. Not thread-safe. Every setter rejects a bad value at once with an
   * {@link IllegalArgumentException} naming it; nothing is clamped.
   */
  public static final class Builder {
    private int window;
    private boolean failFast;
    private RetryPolicy retry;
    private Consumer<MapRun.Progress> progress;
    private Duration progressEvery = DEFAULT_PROGRESS_EVERY;
    private int quorum;
    private Duration within;

    private Builder() {}

    /**
     * Items a map keeps in flight at most; 0 (the default) takes the free capacity the gateway
     * reports for the function when the map starts, or 16 when the gateway does not say.
     *
     * @throws IllegalArgumentException unless 0 to {@link #MAX_WINDOW}
     */
    public Builder window(int items) {
      if (items < 0 || items > MAX_WINDOW) {
        throw new IllegalArgumentException("window must be 0 (auto) to " + MAX_WINDOW + ": " + items);
      }
      this.window = items;
      return this;
    }

    /**
     * Whether the first item that fails for good (after its retries) stops the map: calls in
     * flight are cancelled, no more are sent, and reading the results throws that item's error.
     * Default false: failed items are reported and the map goes on.
     */
    public Builder failFast(boolean failFast) {
      this.failFast = failFast;
      return this;
    }

    /**
     * How each item of a map is retried; null for the default, 3 attempts by
     * {@link RetryPolicy}'s rules (a failure that never ran, or {@link ErrorCode#NODE_LOST} for an
     * idempotent function). {@link RetryPolicy#NONE} retries nothing.
     */
    public Builder retry(RetryPolicy retry) {
      this.retry = retry;
      return this;
    }

    /**
     * Calls {@code listener} with a snapshot of a map's progress every {@link #progressEvery}
     * while it runs, and once more when it ends. It runs on the map's own thread: keep it short.
     * Null for none.
     */
    public Builder onProgress(Consumer<MapRun.Progress> listener) {
      this.progress = listener;
      return this;
    }

    /**
     * How often the progress listener hears (default 500 ms).
     *
     * @throws IllegalArgumentException unless 10 ms to 1 hour
     */
    public Builder progressEvery(Duration every) {
      Objects.requireNonNull(every, "progressEvery");
      if (every.toMillis() < 10 || every.compareTo(Duration.ofHours(1)) > 0) {
        throw new IllegalArgumentException("progressEvery must be 10 ms to 1 hour: " + every);
      }
      this.progressEvery = every;
      return this;
    }

    /**
     * How many nodes a broadcast needs answers from: it returns as soon as that many succeeded
     * (cancelling the calls still running). 0 (the default) means every matching node.
     *
     * @throws IllegalArgumentException when negative
     */
    public Builder quorum(int nodes) {
      if (nodes < 0) {
        throw new IllegalArgumentException("quorum must be >= 0 (0 = every node): " + nodes);
      }
      this.quorum = nodes;
      return this;
    }

    /**
     * How long a broadcast may gather answers; null for the client's deadline. It is also each
     * node's call deadline.
     *
     * @throws IllegalArgumentException unless more than zero and at most {@link Client#MAX_DEADLINE}
     */
    public Builder within(Duration time) {
      this.within = time == null ? null : Client.checkDeadline(time);
      return this;
    }

    /** The settings. */
    public FanOut build() {
      return new FanOut(this);
    }
  }
}
