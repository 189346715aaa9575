package io.easyremote.gateway.internal.core;

import io.easyremote.protocol.wire.Error;
import io.easyremote.protocol.wire.Payload;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * A call between arrival and completion. Its routing state is guarded by the scheduler's lock;
 * completion is once-only and safe from any thread.
 */
public final class PendingCall {
  enum State { QUEUED, DISPATCHED, ABANDONED, DONE }

  final long id;
  final CallRequestSpec request;
  final long arrivedNanos = System.nanoTime();
  private final CallSink sink;
  private final AtomicBoolean completed = new AtomicBoolean();

  // Guarded by the scheduler lock.
  State state = State.QUEUED;
  NodeSession node;
  long dispatchedNanos;
  ScheduledFuture<?> deadlineTimer;

  PendingCall(long id, CallRequestSpec request, CallSink sink) {
    this.id = id;
    this.request = request;
    this.sink = sink;
  }

  /** The gateway-wide call id. */
  public long id() {
    return id;
  }

  /** The function called. */
  public String function() {
    return request.function();
  }

  boolean isCompleted() {
    return completed.get();
  }

  /** Completes with a result; false if the call was already completed. */
  boolean succeed(Payload payload, String nodeId) {
    if (!completed.compareAndSet(false, true)) {
      return false;
    }
    cancelTimer();
    sink.onResult(payload, nodeId);
    return true;
  }

  /** Completes with an error; false if the call was already completed. */
  boolean fail(Error error) {
    if (!completed.compareAndSet(false, true)) {
      return false;
    }
    cancelTimer();
    sink.onError(error);
    return true;
  }

  private void cancelTimer() {
    ScheduledFuture<?> timer = deadlineTimer;
    if (timer != null) {
      timer.cancel(false);
    }
  }
}
