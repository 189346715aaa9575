package io.easyremote.gateway.internal.core;

import com.google.errorprone.annotations.concurrent.GuardedBy;
import io.easyremote.protocol.ErrorCode;
import io.easyremote.protocol.internal.Wire;
import io.easyremote.protocol.wire.Error;
import io.easyremote.protocol.wire.Payload;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.ReentrantLock;
import org.slf4j.LoggerFactory;

/**
 * A call between arrival and completion. Its routing state is guarded by the routing lock (every
 * accessor takes it; it is reentrant); completion is once-only and safe from any thread.
 */
public final class PendingCall {
  enum State { QUEUED, DISPATCHED, ABANDONED, FOLLOWING, FORWARDED, DONE }

  final long id;
  final CallRequestSpec request;
  final long arrivedNanos;
  private final Clock clock;
  private final ReentrantLock routing;
  private final CallSink sink;
  private final CallListener listener;
  private final AtomicBoolean completed = new AtomicBoolean();

  @GuardedBy("routing")
  private State state = State.QUEUED;
  /** Set (before the call can complete) when it follows an earlier call's outcome: see {@link #follow}. */
  private volatile boolean replay;
  @GuardedBy("routing")
  private NodeSession node;
  /** Streams: credits granted by the caller and not yet used by items (sent with Invoke when queued). */
  @GuardedBy("routing")
  private long credits;
  /** Streams: every credit the caller granted (the initial ones included): what a forwarded stream's gateway is told. */
  @GuardedBy("routing")
  private long granted;
  /** Nodes this call was dispatched to so far. */
  @GuardedBy("routing")
  private int attempts;
  // Written under the routing lock, read when the call completes (any thread).
  private volatile long dispatchedNanos;
  /** Streams: items forwarded to the caller. */
  private volatile long items;
  /** Result bytes forwarded to the caller (written by the one thread that completes it or relays its items). */
  private volatile long bytesOut;
  /** Whether the caller's grant admitted it (and must be released on completion). */
  private volatile boolean admitted;
  private volatile Clock.Timer deadlineTimer;
  /** Paid calls: the result waits for this (its charge made durable); see {@link #answerAfter}. */
  private volatile CompletableFuture<Error> answerGate;
  /** The gateway it was forwarded to, or null. */
  private volatile String forwardedTo;
  /** Gateways it was forwarded to so far (a forward that came back unanswered may be sent again). */
  @GuardedBy("routing")
  private int forwards;
  /** What cancels it on the gateway it was forwarded to. */
  final ForwardCancel forwardCancel = new ForwardCancel();
  /** A stream forwarded to another gateway: where the caller's credits go; null until sent (and after it came back unanswered). */
  @GuardedBy("routing")
  private RemoteGateways.ForwardedStream forwardedStream;

  PendingCall(long id, CallRequestSpec request, CallSink sink, CallListener listener, ReentrantLock routing, Clock clock) {
    this.id = id;
    this.request = request;
    this.sink = sink;
    this.listener = listener;
    this.routing = routing;
    this.clock = clock;
    this.arrivedNanos = clock.nanoTime();
    this.credits = request.initialCredits();
    this.granted = request.initialCredits();
  }

  /**
   * Makes this call follow the outcome of an earlier one with the same idempotency key
   * ({@link State#FOLLOWING}): it is never dispatched, and its record says it is a replay.
   */
  void follow() {
    replay = true;
    state(State.FOLLOWING);
  }

  /** The same call completing into another sink (the leader of an idempotency key). */
  PendingCall withSink(CallSink other) {
    return new PendingCall(id, request, other, listener, routing, clock);
  }

  /** The gateway-wide call id. */
  public long id() {
    return id;
  }

  /** The function called. */
  public String function() {
    return request.function();
  }

  /** The request as the front end made it. */
  public CallRequestSpec request() {
    return request;
  }

  // ---------------------------------------------------------------- routing state

  State state() {
    routing.lock();
    try {
      return state;
    } finally {
      routing.unlock();
    }
  }

  void state(State next) {
    routing.lock();
    try {
      state = next;
    } finally {
      routing.unlock();
    }
  }

  /** Moves from {@code expected} to {@code next}; false (and no change) when it was in another state. */
  boolean transition(State expected, State next) {
    routing.lock();
    try {
      if (state != expected) {
        return false;
      }
      state = next;
      return true;
    } finally {
      routing.unlock();
    }
  }

  /** The node running it, or null. */
  NodeSession node() {
    routing.lock();
    try {
      return node;
    } finally {
      routing.unlock();
    }
  }

  /** Whether {@code candidate} is the node running it now. */
  boolean runsOn(NodeSession candidate) {
    routing.lock();
    try {
      return state == State.DISPATCHED && node == candidate;
    } finally {
      routing.unlock();
    }
  }

  /** Sent to {@code to} now: one more attempt. Returns the attempt's number. */
  int dispatchTo(NodeSession to, long nowNanos) {
    routing.lock();
    try {
      state = State.DISPATCHED;
      node = to;
      dispatchedNanos = nowNanos;
      return ++attempts;
    } finally {
      routing.unlock();
    }
  }

  /** Back to routing after its node was given up. */
  void requeued() {
    routing.lock();
    try {
      state = State.QUEUED;
      node = null;
    } finally {
      routing.unlock();
    }
  }

  /** Running on {@code on} again: a move to another node was not possible after all. */
  void restore(NodeSession on) {
    routing.lock();
    try {
      state = State.DISPATCHED;
      node = on;
    } finally {
      routing.unlock();
    }
  }

  /** Sent to another gateway of the cluster: it answers there, not on a local node. */
  void forwardTo(String gatewayId) {
    routing.lock();
    try {
      state = State.FORWARDED;
      forwardedTo = gatewayId;
      forwards++;
    } finally {
      routing.unlock();
    }
  }

  /** Times it was forwarded so far. */
  int forwards() {
    routing.lock();
    try {
      return forwards;
    } finally {
      routing.unlock();
    }
  }

  /** The gateway it was forwarded to, or null. */
  String forwardedTo() {
    return forwardedTo;
  }

  /** Dispatches so far. */
  int attempts() {
    routing.lock();
    try {
      return attempts;
    } finally {
      routing.unlock();
    }
  }

  /** Streams: credits granted and not yet used. */
  long credits() {
    routing.lock();
    try {
      return credits;
    } finally {
      routing.unlock();
    }
  }

  void addCredits(int n) {
    routing.lock();
    try {
      credits += n;
      granted += n;
    } finally {
      routing.unlock();
    }
  }

  /** Streams: every credit granted so far, the initial ones included. */
  long granted() {
    routing.lock();
    try {
      return granted;
    } finally {
      routing.unlock();
    }
  }

  /** A forwarded stream's handle, or null. */
  RemoteGateways.ForwardedStream forwardedStream() {
    routing.lock();
    try {
      return forwardedStream;
    } finally {
      routing.unlock();
    }
  }

  /** Sets (or, with null, drops) the forwarded stream's handle; returns the credits granted so far, to send after it. */
  long forwardedStream(RemoteGateways.ForwardedStream handle) {
    routing.lock();
    try {
      forwardedStream = handle;
      return granted;
    } finally {
      routing.unlock();
    }
  }

  /** Streams: one item is forwarded; false (nothing used) when no credit is left. */
  boolean useCredit() {
    routing.lock();
    try {
      if (credits <= 0) {
        return false;
      }
      credits--;
      items++;
      return true;
    } finally {
      routing.unlock();
    }
  }

  /** Streams: items forwarded to the caller so far. */
  long items() {
    return items;
  }

  boolean admitted() {
    return admitted;
  }

  void admit() {
    admitted = true;
  }

  long dispatchedNanos() {
    return dispatchedNanos;
  }

  /**
   * The timer that expires the call at its deadline; cancelled when it completes, or, for a result
   * held by {@link #answerAfter}, once the result is released ({@link #deadlinePassed}).
   */
  void deadlineTimer(Clock.Timer timer) {
    deadlineTimer = timer;
    CompletableFuture<Error> gate = answerGate;
    if (completed.get() && (gate == null || gate.isDone())) {
      timer.cancel(); // completed while the timer was being set (a held result's gate cancels it when it opens)
    }
  }

  /**
   * The deadline passed after the call completed: a result still held by its gate is withheld, the
   * caller gets {@code DEADLINE_EXCEEDED} (the gate completes with it; what completes it later
   * changes nothing).
   */
  void deadlinePassed() {
    CompletableFuture<Error> gate = answerGate;
    if (completed.get() && gate != null && !gate.isDone()) {
      gate.complete(Errors.of(ErrorCode.DEADLINE_EXCEEDED, "The call to '" + function() + "' ran, but what its result waits for "
          + "(its charge, committed to the credits ledger) was not done within the deadline, so the result is withheld."));
    }
  }

  /**
   * Holds the caller's result until {@code gate} completes: with null the result goes out, with an
   * error that error goes out instead. The call's listeners see the completion first, so the gate
   * can wait for what they make durable (the credits settlement: a caller never sees a paid result
   * that a crash could leave uncharged). Errors and stream ends are not held. A gate still shut at
   * the call's deadline is completed with {@code DEADLINE_EXCEEDED} by the call's own deadline timer.
   * An error sent instead of a result says that the call reached its node ({@code reached_node}):
   * it ran, so a client must not retry it as if it had not.
   */
  public void answerAfter(CompletableFuture<Error> gate) {
    this.answerGate = gate;
  }

  // ---------------------------------------------------------------- completion (any thread, once)

  /** Whether the call has completed (its caller was answered, or will be: its result may wait for {@link #answerAfter}). */
  public boolean isCompleted() {
    return completed.get();
  }

  /** The call goes to {@code nodeId} now: the trace context its sink wants passed on in {@code Invoke.trace}. */
  Map<String, String> onDispatch(String nodeId, int attempt) {
    return sink.onDispatch(nodeId, attempt);
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
    bytesOut = payload.getData().size();
    CompletableFuture<Error> gate = answerGate;
    if (gate == null) {
      cancelTimer();
      sink.onResult(payload, nodeId);
      record(nodeId, null);
      return true;
    }
    // The deadline timer keeps running: it shuts the gate at the deadline (deadlinePassed).
    record(nodeId, null); // the listeners start what the gate waits for
    gate.whenComplete((refusal, failure) -> {
      cancelTimer();
      if (refusal == null && failure == null) {
        sink.onResult(payload, nodeId);
      } else {
        Error error = refusal != null ? refusal : Errors.of(ErrorCode.UNAVAILABLE, "The call to '" + function()
            + "' ran on node '" + nodeId + "' but its result could not be released: " + failure);
        // The node ran it: a client must not take the refusal for a call that never ran and retry a function that is not idempotent.
        Error.Builder ran = error.toBuilder().setReachedNode(true);
        if (error.getNodeId().isEmpty() && nodeId != null) {
          ran.setNodeId(nodeId);
        }
        sink.onError(ran.build());
      }
    });
    return true;
  }

  /** Completes with an error; false if the call was already completed. */
  boolean fail(Error error) {
    if (!completed.compareAndSet(false, true)) {
      return false;
    }
    cancelTimer();
    sink.onError(error);
    record(error.getNodeId().isEmpty() ? null : error.getNodeId(), Wire.fromWire(error.getCode()));
    return true;
  }

  /**
   * Streams: completes normally after {@code count} items; false if already completed, or if this
   * is no stream (its sink cannot take an end: the call stays open for its real outcome, or its
   * deadline, instead of being marked completed and never answered).
   */
  boolean end(long count, String nodeId) {
    if (!(sink instanceof StreamSink stream)) {
      LoggerFactory.getLogger(PendingCall.class).warn("Ignored a stream end for call {} to '{}', which is not a stream", id, function());
      return false;
    }
    if (!completed.compareAndSet(false, true)) {
      return false;
    }
    cancelTimer();
    stream.onEnd(count, nodeId);
    record(nodeId, null);
    return true;
  }

  /** Streams: forwards one item unless the call already completed. */
  void item(Payload payload, String nodeId) {
    if (!completed.get()) {
      bytesOut += payload.getData().size();
      ((StreamSink) sink).onItem(payload, nodeId);
    }
  }

  private void record(String nodeId, ErrorCode error) {
    if (admitted) {
      request.grant().release();
    }
    long now = clock.nanoTime();
    long dispatched = dispatchedNanos;
    long queuedFor = (dispatched == 0 ? now : dispatched) - arrivedNanos;
    try {
      listener.onCompleted(new CallRecord(id, request.function(), nodeId, request.caller(), error, queuedFor, now - arrivedNanos,
          request.stream(), items, request.grant().principal(), request.payload().getData().size(), bytesOut, replay));
    } catch (RuntimeException e) {
      LoggerFactory.getLogger(PendingCall.class).warn("A call listener failed", e);
    }
  }

  private void cancelTimer() {
    Clock.Timer timer = deadlineTimer;
    if (timer != null) {
      timer.cancel();
    }
  }
}
