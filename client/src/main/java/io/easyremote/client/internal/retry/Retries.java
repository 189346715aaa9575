package io.easyremote.client.internal.retry;

import io.easyremote.client.ClientStats;
import io.easyremote.client.SlidingWindowRetryBudget;
import io.easyremote.client.RetryPolicy;
import io.easyremote.protocol.ErrorCode;
import java.time.Duration;
import java.util.Collection;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;

/**
 * The retry machinery of one root client, shared by every copy derived from it: the counters
 * behind {@link ClientStats}, one {@link RetryWindow} per distinct {@link SlidingWindowRetryBudget}, what
 * is known of idempotent functions, and the one daemon timer thread that starts delayed attempts
 * (created on first use, stopped by {@link #close}). Thread-safe.
 */
public final class Retries {
  /** Starts one attempt with the time left and whether to wait for the channel to be ready. */
  @FunctionalInterface
  public interface Attempt<R> {
    CompletableFuture<R> start(Duration timeLeft, boolean waitForReady);
  }

  private final AtomicLong calls = new AtomicLong();
  private final AtomicLong attempts = new AtomicLong();
  private final AtomicLong retries = new AtomicLong();
  private final AtomicLong denied = new AtomicLong();
  private final ConcurrentHashMap<SlidingWindowRetryBudget, RetryWindow> budgets = new ConcurrentHashMap<>();
  private final Set<RetryingCall<?>> pending = ConcurrentHashMap.newKeySet();
  private final IdempotentFunctions idempotent;
  private ScheduledThreadPoolExecutor timer;
  private boolean closed;

  /** @param listIdempotent lists the names of the functions the gateway declares idempotent, within the given time */
  public Retries(Function<Duration, CompletableFuture<Set<String>>> listIdempotent) {
    this.idempotent = new IdempotentFunctions(listIdempotent, System::nanoTime);
  }

  /**
   * Makes a call under {@code policy}: a single attempt when it allows no retries, else a
   * {@link RetryingCall}. Counts the call and its attempts.
   *
   * @param keyed whether the call carries an idempotency key (so repeating it is harmless)
   * @param deadline the whole call's deadline
   */
  public <R> CompletableFuture<R> call(String function, RetryPolicy policy, boolean keyed, Duration deadline, Attempt<R> attempt) {
    calls.incrementAndGet();
    if (policy.maxAttempts() == 1) {
      attempts.incrementAndGet();
      return attempt.start(deadline, false);
    }
    budget(policy).onCall();
    RetryingCall<R> call = new RetryingCall<>(this, function, policy, keyed, System.nanoTime() + deadline.toNanos(), attempt);
    pending.add(call);
    call.whenComplete((value, failure) -> pending.remove(call));
    call.start();
    return call;
  }

  /** Counts a call made of one attempt outside {@link #call}, such as a stream. */
  public void onSingleAttemptCall() {
    calls.incrementAndGet();
    attempts.incrementAndGet();
  }

  /** Remembers which functions are idempotent, from a fresh function list. */
  public void learnIdempotent(Collection<String> names) {
    idempotent.learn(names);
  }

  /** The counters so far. */
  public ClientStats stats() {
    return new ClientStats(calls.get(), attempts.get(), retries.get(), denied.get());
  }

  /**
   * Stops the timer and fails every call waiting to retry with {@link ErrorCode#CANCELLED}; later
   * retries are not made. Idempotent.
   */
  public void close() {
    ScheduledThreadPoolExecutor t;
    synchronized (this) {
      closed = true;
      t = timer;
    }
    if (t != null) {
      t.shutdownNow();
    }
    for (RetryingCall<?> call : pending) {
      call.abort();
    }
  }

  void onAttempt() {
    attempts.incrementAndGet();
  }

  /** Spends a retry from the policy's budget; counts it as made or denied. */
  boolean tryRetry(RetryPolicy policy) {
    if (budget(policy).tryRetry()) {
      retries.incrementAndGet();
      return true;
    }
    denied.incrementAndGet();
    return false;
  }

  CompletableFuture<Boolean> isIdempotent(String function, Duration maxWait) {
    return idempotent.isIdempotent(function, maxWait);
  }

  /** Runs {@code task} after {@code delayNanos} on the timer; false when closed. */
  boolean schedule(Runnable task, long delayNanos) {
    try {
      timer().schedule(task, delayNanos, TimeUnit.NANOSECONDS);
      return true;
    } catch (RejectedExecutionException | IllegalStateException e) {
      return false;
    }
  }

  private RetryWindow budget(RetryPolicy policy) {
    return budgets.computeIfAbsent(policy.budget(), b -> new RetryWindow(b, System::nanoTime));
  }

  private synchronized ScheduledThreadPoolExecutor timer() {
    if (closed) {
      throw new IllegalStateException("closed");
    }
    if (timer == null) {
      timer = new ScheduledThreadPoolExecutor(1, r -> {
        Thread thread = new Thread(r, "easyremote-client-retry");
        thread.setDaemon(true);
        return thread;
      });
      timer.setRemoveOnCancelPolicy(true);
    }
    return timer;
  }
}
