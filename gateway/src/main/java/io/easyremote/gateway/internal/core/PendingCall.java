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
  enum State { QUEUED, DISPATCHED, ABANDONED, FOLLOWING, DONE }

  final long id;
  final CallRequestSpec request;
  final long arrivedNanos = System.nanoTime();
  private final CallSink sink;
  private final CallListener listener;
  private final AtomicBoolean completed = new AtomicBoolean();

  // Guarded by the scheduler lock.
  State state = State.QUEUED;
  NodeSession node;
  long dispatchedNanos;
  ScheduledFuture<?> deadlineTimer;
  /** Streams: credits granted by the caller and not yet used by items (sent with Invoke when queued). */
  long credits;
  /** Streams: items forwarded to the caller. */
  long items;
  /** Nodes this call was dispatched to so far. */
  int attempts;
  /** Whether the caller's grant admitted it (and must be released on completion). */
  boolean admitted;

  PendingCall(long id, CallRequestSpec request, CallSink sink, CallListener listener) {
    this.id = id;
    this.request = request;
    this.sink = sink;
    this.listener = listener;
    this.credits = request.initialCredits();
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

  /** The call goes to {@code nodeId} now: the trace context its sink wants passed on in {@code Invoke.trace}. */
  java.util.Map<String, String> onDispatch(String nodeId) {
    return sink.onDispatch(nodeId, attempts);
  }

  /** A sink that completes this call: how a repeat of an idempotency key follows the first call. */
  CallSink asSink() {
    return new CallSink() {
      @Override
      public void onResult(Payload payload, String nodeId) {
        succeed(payload, nodeId);
      }

      @Override
      public void onError(Error error) {
        fail(error);
      }
    };
  }

  /** Completes with a result; false if the call was already completed. */
  boolean succeed(Payload payload, String nodeId) {
    if (!completed.compareAndSet(false, true)) {
      return false;
    }
    cancelTimer();
    sink.onResult(payload, nodeId);
    record(nodeId, null);
    return true;
  }

  /** Completes with an error; false if the call was already completed. */
  boolean fail(Error error) {
    if (!completed.compareAndSet(false, true)) {
      return false;
    }
    cancelTimer();
    sink.onError(error);
    record(error.getNodeId().isEmpty() ? null : error.getNodeId(), io.easyremote.protocol.internal.Wire.fromWire(error.getCode()));
    return true;
  }

  /** Streams: completes normally after {@code count} items; false if already completed. */
  boolean end(long count, String nodeId) {
    if (!completed.compareAndSet(false, true)) {
      return false;
    }
    cancelTimer();
    ((StreamSink) sink).onEnd(count, nodeId);
    record(nodeId, null);
    return true;
  }

  /** Tells the sink which node the call was sent to (under the scheduler lock). */
  void dispatched(String nodeId) {
    try {
      sink.onDispatched(nodeId);
    } catch (RuntimeException e) {
      org.slf4j.LoggerFactory.getLogger(PendingCall.class).warn("A call sink failed on dispatch", e);
    }
  }

  /** Streams: forwards one item unless the call already completed. */
  void item(Payload payload, String nodeId) {
    if (!completed.get()) {
      ((StreamSink) sink).onItem(payload, nodeId);
    }
  }

  private void record(String nodeId, io.easyremote.protocol.ErrorCode error) {
    if (admitted) {
      request.grant().release();
    }
    long now = System.nanoTime();
    long dispatched = dispatchedNanos;
    long queuedFor = (dispatched == 0 ? now : dispatched) - arrivedNanos;
    try {
      listener.onCompleted(new CallRecord(id, request.function(), nodeId, request.caller(), error, queuedFor, now - arrivedNanos,
          request.stream(), items));
    } catch (RuntimeException e) {
      org.slf4j.LoggerFactory.getLogger(PendingCall.class).warn("A call listener failed", e);
    }
  }

  private void cancelTimer() {
    ScheduledFuture<?> timer = deadlineTimer;
    if (timer != null) {
      timer.cancel(false);
    }
  }
}
