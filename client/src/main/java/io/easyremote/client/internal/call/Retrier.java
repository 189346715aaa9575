package io.easyremote.client.internal.call;

import io.easyremote.client.ClientStats;
import io.easyremote.client.RetryPolicy;
import io.easyremote.protocol.ErrorCode;
import io.easyremote.protocol.RemoteException;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.ReentrantLock;


/**
 * Retry decisions, the retry budget, backoff timing and counters, shared by a root client and
 * every copy derived from it. Thread-safe; its one timer thread is a daemon and stops on close.
 */
public final class Retrier {
  private final AtomicLong calls = new AtomicLong();
  private final AtomicLong attempts = new AtomicLong();
  private final AtomicLong retries = new AtomicLong();
  private final AtomicLong denied = new AtomicLong();
  private final ReentrantLock budgetLock = new ReentrantLock();
  private final Set<String> idempotent = ConcurrentHashMap.newKeySet();
  private volatile ScheduledExecutorService timer;
  private double tokens = 10;
  private long refilledNanos = System.nanoTime();

  /** A new call is starting: it earns its share of the budget. */
  void onCall(RetryPolicy policy) {
    calls.incrementAndGet();
    budgetLock.lock();
    try {
      tokens = Math.min(cap(policy), tokens + policy.budgetRatio());
    } finally {
      budgetLock.unlock();
    }
  }

  void onAttempt() {
    attempts.incrementAndGet();
  }

  /** Remembers which functions the gateway lists as idempotent, for ambiguous failures. */
  public void learnIdempotent(String function) {
    idempotent.add(function);
  }

  /**
   * The backoff before the next attempt in nanoseconds, or -1 when the failure must not be
   * retried (not retryable, attempts used up, no time left, or the budget says no).
   */
  long nextDelayNanos(RetryPolicy policy, String function, RemoteException failure, int attemptsMade, long deadlineNanos) {
    if (attemptsMade >= policy.maxAttempts() || !retryable(policy, function, failure)) {
      return -1;
    }
    long ceiling = Math.min(policy.maxBackoff().toNanos(), policy.initialBackoff().toNanos() << Math.min(attemptsMade - 1, 20));
    long delay = ThreadLocalRandom.current().nextLong(ceiling / 2, ceiling + 1);
    delay = Math.max(delay, TimeUnit.MILLISECONDS.toNanos(failure.retryAfterMillis()));
    if (System.nanoTime() + delay >= deadlineNanos) {
      return -1;
    }
    if (!spend(policy)) {
      denied.incrementAndGet();
      return -1;
    }
    retries.incrementAndGet();
    return delay;
  }

  private boolean retryable(RetryPolicy policy, String function, RemoteException e) {
    if (!e.reachedNode() && (e.code() == ErrorCode.UNAVAILABLE || e.code() == ErrorCode.OVERLOADED)) {
      return true;
    }
    boolean mayHaveRun = e.code() == ErrorCode.NODE_LOST || e.code() == ErrorCode.UNAVAILABLE;
    return mayHaveRun && (policy.retryNonIdempotent() || idempotent.contains(function));
  }

  private boolean spend(RetryPolicy policy) {
    budgetLock.lock();
    try {
      long now = System.nanoTime();
      tokens = Math.min(cap(policy), tokens + (now - refilledNanos) / 1e9 * policy.minRetriesPerSecond());
      refilledNanos = now;
      if (tokens >= 1) {
        tokens -= 1;
        return true;
      }
      return false;
    } finally {
      budgetLock.unlock();
    }
  }

  private static double cap(RetryPolicy policy) {
    return Math.max(10, policy.minRetriesPerSecond() * 10);
  }

  /** Runs {@code task} after {@code delayNanos} on the shared timer. */
  void schedule(Runnable task, long delayNanos) {
    timer().schedule(task, delayNanos, TimeUnit.NANOSECONDS);
  }

  private ScheduledExecutorService timer() {
    ScheduledExecutorService t = timer;
    if (t == null) {
      synchronized (this) {
        if (timer == null) {
          timer = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread thread = new Thread(r, "easyremote-client-retry");
            thread.setDaemon(true);
            return thread;
          });
        }
        t = timer;
      }
    }
    return t;
  }

  /** The counters so far. */
  public ClientStats stats() {
    return new ClientStats(calls.get(), attempts.get(), retries.get(), denied.get());
  }

  /** Stops the timer; pending retries are dropped (their calls fail with what they last saw). */
  public void close() {
    ScheduledExecutorService t = timer;
    if (t != null) {
      t.shutdownNow();
    }
  }

}
