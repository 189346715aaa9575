package io.easyremote.client.internal.retry;

import java.time.Duration;
import java.util.Collection;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.function.LongSupplier;

/**
 * Which functions the gateway lists as idempotent, learnt from {@code ListFunctions} only when a
 * retry decision needs it, and remembered for {@link #TTL}. One fetch at a time: concurrent
 * questions share it. A failed fetch answers from the last list (or "not idempotent") and is not
 * repeated for a second, so an outage does not turn every failure into another request.
 * Thread-safe.
 */
final class IdempotentFunctions {
  static final Duration TTL = Duration.ofSeconds(30);
  private static final long RETRY_FETCH_AFTER_NANOS = TimeUnit.SECONDS.toNanos(1);
  private static final Duration MAX_FETCH_TIME = Duration.ofSeconds(5);

  private record Known(Set<String> names, long atNanos) {}

  private final Function<Duration, CompletableFuture<Set<String>>> fetch;
  private final LongSupplier clock;
  private volatile Known known;
  private CompletableFuture<Set<String>> fetching;
  private long failedAtNanos;
  private boolean failedOnce;

  /** @param fetch lists the idempotent functions' names now, within the given time */
  IdempotentFunctions(Function<Duration, CompletableFuture<Set<String>>> fetch, LongSupplier clock) {
    this.fetch = fetch;
    this.clock = clock;
  }

  /** Records a fresh list, e.g. from a caller's own {@code functions()}. */
  void learn(Collection<String> idempotentNames) {
    known = new Known(Set.copyOf(idempotentNames), clock.getAsLong());
  }

  /**
   * Whether {@code function} is idempotent, answered within {@code maxWait} (when the list cannot
   * be had by then: "no").
   */
  CompletableFuture<Boolean> isIdempotent(String function, Duration maxWait) {
    long now = clock.getAsLong();
    Known k = known;
    if (k != null && now - k.atNanos < TTL.toNanos()) {
      return CompletableFuture.completedFuture(k.names.contains(function));
    }
    CompletableFuture<Set<String>> list;
    synchronized (this) {
      if (fetching == null) {
        if (failedOnce && now - failedAtNanos < RETRY_FETCH_AFTER_NANOS) {
          return CompletableFuture.completedFuture(k != null && k.names.contains(function));
        }
        Duration limit = maxWait.compareTo(MAX_FETCH_TIME) < 0 ? maxWait : MAX_FETCH_TIME;
        CompletableFuture<Set<String>> started = fetch.apply(limit);
        fetching = started;
        list = started;
        started.whenComplete((names, failure) -> done(started, names));
      } else {
        list = fetching;
      }
    }
    return list.handle((names, failure) -> {
      Set<String> answer = names != null ? names : (known != null ? known.names : Set.of());
      return answer.contains(function);
    }).completeOnTimeout(Boolean.FALSE, Math.max(1, maxWait.toNanos()), TimeUnit.NANOSECONDS);
  }

  private void done(CompletableFuture<Set<String>> which, Set<String> names) {
    if (names != null) {
      learn(names);
    }
    synchronized (this) {
      if (fetching == which) {
        fetching = null;
      }
      failedOnce = names == null;
      failedAtNanos = clock.getAsLong();
    }
  }
}
