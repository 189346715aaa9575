package io.easyremote.client.internal.retry;

import io.easyremote.client.RetryPolicy;
import io.easyremote.protocol.ErrorCode;
import io.easyremote.protocol.RemoteException;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;

/**
 * One call made of attempts: starts the first, and after a retryable failure waits (on the shared
 * timer, holding no thread) and starts the next, each with the time left of the call's deadline.
 * Completes with the first success, or with the last failure once the rules, the attempts, the
 * deadline or the budget say stop. Cancelling it cancels the attempt in progress.
 *
 * @param <R> the result type
 */
final class RetryingCall<R> extends CompletableFuture<R> {
  private final Retries retries;
  private final String function;
  private final RetryPolicy policy;
  private final boolean keyed;
  private final long deadlineNanos;
  private final Retries.Attempt<R> attempt;
  private volatile CompletableFuture<R> current;
  private volatile RemoteException lastFailure;
  private int attemptsMade;

  RetryingCall(Retries retries, String function, RetryPolicy policy, boolean keyed, long deadlineNanos,
      Retries.Attempt<R> attempt) {
    this.retries = retries;
    this.function = function;
    this.policy = policy;
    this.keyed = keyed;
    this.deadlineNanos = deadlineNanos;
    this.attempt = attempt;
  }

  /** Starts the first attempt. */
  void start() {
    run(false);
  }

  private void run(boolean waitForReady) {
    if (isDone()) {
      return;
    }
    long left = deadlineNanos - System.nanoTime();
    if (left <= 0 && lastFailure != null) {
      completeExceptionally(lastFailure); // the timer fired late: no time is left for this retry
      return;
    }
    attemptsMade++;
    retries.onAttempt();
    CompletableFuture<R> f;
    try {
      f = attempt.start(Duration.ofNanos(Math.max(1, left)), waitForReady);
    } catch (RuntimeException e) {
      completeExceptionally(e);
      return;
    }
    current = f;
    if (isDone()) {
      f.cancel(true); // cancelled or aborted while this attempt was starting
    }
    f.whenComplete((value, failure) -> {
      if (failure == null) {
        complete(value);
      } else {
        onFailure(failure instanceof CompletionException && failure.getCause() != null ? failure.getCause() : failure);
      }
    });
  }

  private void onFailure(Throwable failure) {
    if (isDone()) {
      return;
    }
    if (failure instanceof RemoteException e) {
      lastFailure = e;
    }
    if (!(failure instanceof RemoteException e) || attemptsMade >= policy.maxAttempts()) {
      completeExceptionally(failure);
      return;
    }
    switch (RetryRules.classify(e)) {
      case SAFE -> retryAfter(e);
      case IF_IDEMPOTENT -> {
        if (policy.retryNonIdempotent() || keyed) {
          retryAfter(e);
        } else {
          retries.isIdempotent(function, Duration.ofNanos(Math.max(1, deadlineNanos - System.nanoTime())))
              .whenComplete((idempotent, ignored) -> {
                if (Boolean.TRUE.equals(idempotent)) {
                  retryAfter(e);
                } else {
                  completeExceptionally(e);
                }
              });
        }
      }
      default -> completeExceptionally(e);
    }
  }

  private void retryAfter(RemoteException last) {
    if (isDone()) {
      return;
    }
    long delay = RetryRules.backoffNanos(policy, attemptsMade, last);
    if (System.nanoTime() + delay >= deadlineNanos) {
      completeExceptionally(last); // no time left for another attempt
      return;
    }
    if (!retries.tryRetry(policy)) {
      completeExceptionally(last);
      return;
    }
    // After UNAVAILABLE the next attempt waits (within its deadline) for the channel to reconnect.
    boolean waitForReady = last.code() == ErrorCode.UNAVAILABLE;
    if (!retries.schedule(() -> run(waitForReady), delay)) {
      abort();
    }
  }

  /** Fails the call because the client closed before it finished; cancels the attempt in flight, if any. */
  void abort() {
    RemoteException last = lastFailure;
    CompletableFuture<R> attemptNow = current;
    boolean inFlight = attemptNow != null && !attemptNow.isDone();
    completeExceptionally(new RemoteException(ErrorCode.CANCELLED, "The client was closed before '" + function
        + "' finished; its retries were abandoned" + (last == null ? "." : ". Last failure: " + last.getMessage()),
        inFlight || last == null || last.reachedNode(), 0, null, last));
    if (inFlight) {
      attemptNow.cancel(true);
    }
  }

  @Override
  public boolean cancel(boolean mayInterruptIfRunning) {
    boolean cancelled = super.cancel(mayInterruptIfRunning);
    CompletableFuture<R> attemptNow = current;
    if (cancelled && attemptNow != null) {
      attemptNow.cancel(mayInterruptIfRunning);
    }
    return cancelled;
  }
}
