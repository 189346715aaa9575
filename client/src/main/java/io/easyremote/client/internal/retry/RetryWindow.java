package io.easyremote.client.internal.retry;

import io.easyremote.client.SlidingWindowRetryBudget;
import java.util.function.LongSupplier;

/**
 * One {@link SlidingWindowRetryBudget}'s state: calls and retries counted in a ring of time buckets covering
 * the sliding window, plus the times of the last floor retries. A retry is allowed when the
 * window's retries (all of them, floor retries included) stay within {@code ratio × calls}, or
 * else when fewer than {@code minRetriesPerSecond} floor retries happened in the last second. So
 * under sustained failure retries converge on {@code ratio × calls}, and the floor matters only
 * when calls are few. Thread-safe (one lock; each decision sums {@value #BUCKETS} buckets).
 */
final class RetryWindow {
  static final int BUCKETS = 20;
  private static final long SECOND = 1_000_000_000L;

  private final SlidingWindowRetryBudget budget;
  private final LongSupplier clock;
  private final long bucketNanos;
  private final long[] calls = new long[BUCKETS];
  private final long[] retries = new long[BUCKETS];
  private final long[] epochs = new long[BUCKETS];
  /** Times of the last floor retries, a ring of minRetriesPerSecond entries. */
  private final long[] floorTimes;
  private int floorNext;
  private int floorCount;

  RetryWindow(SlidingWindowRetryBudget budget, LongSupplier clock) {
    this.budget = budget;
    this.clock = clock;
    this.bucketNanos = Math.max(1, budget.window().toNanos() / BUCKETS);
    this.floorTimes = new long[budget.minRetriesPerSecond()];
    java.util.Arrays.fill(epochs, Long.MIN_VALUE);
  }

  /** A call started: it earns its share of retries. */
  synchronized void onCall() {
    calls[bucket(clock.getAsLong())]++;
  }

  /** Spends one retry if the budget allows it; false means the retry must not be made. */
  synchronized boolean tryRetry() {
    long now = clock.getAsLong();
    long epoch = Math.floorDiv(now, bucketNanos);
    long callsInWindow = 0;
    long retriesInWindow = 0;
    for (int i = 0; i < BUCKETS; i++) {
      if (epochs[i] > epoch - BUCKETS) {
        callsInWindow += calls[i];
        retriesInWindow += retries[i];
      }
    }
    boolean allowed = retriesInWindow + 1 <= budget.ratio() * callsInWindow || spendFloor(now);
    if (allowed) {
      retries[bucket(now)]++;
    }
    return allowed;
  }

  private boolean spendFloor(long now) {
    if (floorTimes.length == 0) {
      return false;
    }
    if (floorCount == floorTimes.length && now - floorTimes[floorNext] < SECOND) {
      return false; // the oldest of the last minRetriesPerSecond floor retries is less than a second old
    }
    floorTimes[floorNext] = now;
    floorNext = (floorNext + 1) % floorTimes.length;
    floorCount = Math.min(floorCount + 1, floorTimes.length);
    return true;
  }

  /** The bucket for {@code now}, emptied first when it last held an older epoch. */
  private int bucket(long now) {
    long epoch = Math.floorDiv(now, bucketNanos);
    int i = (int) Math.floorMod(epoch, (long) BUCKETS);
    if (epochs[i] != epoch) {
      epochs[i] = epoch;
      calls[i] = 0;
      retries[i] = 0;
    }
    return i;
  }
}
