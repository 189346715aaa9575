package io.easyremote.gateway.internal.core;

import com.google.errorprone.annotations.concurrent.GuardedBy;
import io.easyremote.protocol.ErrorCode;
import io.easyremote.protocol.internal.Wire;
import io.easyremote.protocol.wire.Cancel;
import io.easyremote.protocol.wire.Error;
import io.easyremote.protocol.wire.FunctionSpec;
import io.easyremote.protocol.wire.GatewayFrame;
import io.easyremote.protocol.wire.Invoke;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Moves calls to nodes: routes a call (dispatch, queue or refuse), fills a node's free slots from
 * the queues, frees a slot when the node answers, abandons a call on its deadline or cancel, and
 * re-routes calls whose node was lost. Every method takes the routing lock (reentrant: callers
 * that hold it for a larger step keep it atomic). Frames for nodes are only {@linkplain
 * NodeSession#enqueue queued} under the lock; {@link #flush()} writes them after it is released.
 */
final class Dispatcher {
  private static final Logger log = LoggerFactory.getLogger(Dispatcher.class);

  private final ReentrantLock lock;
  private final Condition idle;
  private final RoutingTable table;
  private final Clock clock;
  private final RegistrationGrace grace;
  private final int maxPayloadBytes;
  private final NodeOutcomes outcomes;
  @GuardedBy("lock")
  private final CallQueues queues;
  @GuardedBy("lock")
  private final NodePicker picker;
  @GuardedBy("lock")
  private final FailoverBudget failoverBudget;
  @GuardedBy("lock")
  private final LostFunctions lostFunctions = new LostFunctions();
  private final long lostFunctionWaitNanos;
  @GuardedBy("lock")
  private int inFlight;
  @GuardedBy("lock")
  private boolean closing;
  private final ConcurrentLinkedQueue<NodeSession> unflushed = new ConcurrentLinkedQueue<>();
  private final Forwarding forwarding;
  private final AtomicLong ignoredFrames = new AtomicLong();

  Dispatcher(ReentrantLock lock, RoutingTable table, SchedulerSettings settings, Clock clock) {
    this.lock = lock;
    this.idle = lock.newCondition();
    this.table = table;
    this.clock = clock;
    this.grace = new RegistrationGrace(lock, clock, settings.registrationGrace());
    this.maxPayloadBytes = settings.maxPayloadBytes();
    this.lostFunctionWaitNanos = TimeUnit.MILLISECONDS.toNanos(settings.lostFunctionWaitMillis());
    this.queues = new CallQueues(settings.maxQueuedCallsPerFunction());
    this.picker = new NodePicker(settings.defaultStrategy());
    this.failoverBudget = new FailoverBudget(0.2, 10, 100, clock.nanoTime());
    this.forwarding = new Forwarding(this, lock, table, clock);
    this.outcomes = new NodeOutcomes(settings, clock, this::refill);
  }

  /** Routes a new call: null when it was dispatched or queued, else why it cannot be served now. */
  Error submit(PendingCall call) {
    lock.lock();
    try {
      failoverBudget.onCall();
      return route(call);
    } finally {
      lock.unlock();
    }
  }

  /** Dispatches or queues the call, or returns why it cannot be served. */
  Error route(PendingCall call) {
    lock.lock();
    try {
      String function = call.function();
      if (closing) {
        return Errors.of(ErrorCode.UNAVAILABLE, "The gateway is shutting down; retry on another gateway or later.");
      }
      List<NodeSession> offering = table.offering(function);
      if (offering.isEmpty()) {
        if (forwarding.take(call)) {
          return null;
        }
        if (grace.active() && call.request.pinnedNode() == null && queues.offer(call)) {
          return null; // just started: its node is probably still reconnecting
        }
        FunctionSpec lost = call.request.pinnedNode() == null ? lostFunctions.awaited(function, clock.nanoTime()) : null;
        if (lost != null) { // its nodes were lost a moment ago: they are probably reconnecting
          Error refused = admit(call, lost);
          if (refused != null) {
            return refused;
          }
          return queues.offer(call) ? null : Errors.overloaded(function, queues.size(function), NodePicker.retryAfterMillis(offering));
        }
        if (forwarding.takeAwaited(call)) {
          return null; // another gateway awaits a node of it: the call waits there
        }
        // Not unknown: another gateway offers it but cannot take it now, or did until a moment ago. Said only to a caller
        // the function's existence is no secret to: a key holder whose scope names it, or anyone on a gateway without keys.
        CallGrant grant = call.request.grant();
        Error unserved = grant == CallGrant.OPEN || grant.principal() != null ? forwarding.unserved(call) : null;
        if (unserved != null) {
          return unserved;
        }
        return Errors.functionNotFound(function, table.visibleTo(call.request.grant()));
      }
      FunctionSpec spec = offering.get(0).functions.get(function);
      Error refused = admit(call, spec);
      if (refused != null) {
        return refused;
      }
      String pinned = call.request.pinnedNode();
      if (pinned != null && table.node(pinned) == null && forwarding.take(call)) {
        return null;
      }
      Error unservable = picker.unservable(call, offering, pinned == null ? null : table.node(pinned));
      if (unservable != null) {
        return unservable;
      }
      NodeSession node = picker.pick(call, offering, clock.nanoTime());
      if (node != null) {
        dispatch(call, node);
        return null;
      }
      if (forwarding.takeWhenBusy(call, queues.size(function))) {
        return null;
      }
      if (!queues.offer(call)) {
        return Errors.overloaded(function, queues.size(function), NodePicker.retryAfterMillis(offering));
      }
      return null;
    } finally {
      lock.unlock();
    }
  }

  /** Why the call may not run {@code spec} (a streaming function called as unary, the caller's grant); null when it may. */
  @GuardedBy("lock")
  private Error admit(PendingCall call, FunctionSpec spec) {
    String function = call.function();
    if (spec.getStreaming() && !call.request.stream()) {
      return Errors.of(ErrorCode.INVALID_REQUEST, "'" + function + "' is a streaming function: call it as a stream "
          + "(Client.stream, gRPC CallStream, or Server-Sent Events over HTTP).");
    }
    if (!call.admitted()) {
      Error denied = call.request.grant().admit(function, spec);
      if (denied != null) {
        return denied;
      }
      call.admit();
    }
    return null;
  }

  /** Calls to and from the other gateways of a cluster. */
  Forwarding forwarding() {
    return forwarding;
  }

  /** Takes a failover token (a call that may run again is routed anew); false when the budget is spent. */
  boolean tryFailover(long nowNanos) {
    lock.lock();
    try {
      return failoverBudget.tryFailover(nowNanos);
    } finally {
      lock.unlock();
    }
  }

  /** Sends the call to the node (queued for the next {@link #flush()}) and counts it in flight. */
  @GuardedBy("lock")
  private void dispatch(PendingCall call, NodeSession node) {
    long now = clock.nanoTime();
    int attempt = call.dispatchTo(node, now);
    node.start(call);
    inFlight++;
    long remainingMillis = Math.max(1, TimeUnit.NANOSECONDS.toMillis(call.request.deadlineNanos() - now));
    Invoke invoke = Invoke.newBuilder()
        .setCallId(call.id)
        .setFunction(call.function())
        .setPayload(call.request.payload())
        .setDeadlineMs(remainingMillis)
        .setCaller(call.request.caller())
        .setStreamCredits((int) Math.min(Integer.MAX_VALUE, call.credits()))
        .setAttempt(attempt)
        .putAllTrace(call.onDispatch(node.nodeId, attempt))
        .build();
    enqueue(node, GatewayFrame.newBuilder().setInvoke(invoke).build());
  }

  /**
   * Fills the node's free slots from the queues of the functions it offers. Each queue offers its
   * next call in fair order; across functions the longest-waiting offer wins.
   */
  void fillSlots(NodeSession node) {
    lock.lock();
    try {
      long now = clock.nanoTime();
      while (node.hasFreeSlot() && node.open()) {
        PendingCall next = queues.takeNextFor(node, (function, c) -> NodePicker.qualifies(c, node) && !node.holds(c.id)
            && (!node.stats().isEjected(now) || NodePicker.allEjected(table.offering(function), c, now)));
        if (next == null) {
          return;
        }
        dispatch(next, node);
      }
    } finally {
      lock.unlock();
    }
  }

  /** Fills the node's free slots and writes the Invokes at once: for callers that do not hold the routing lock. */
  void refill(NodeSession node) {
    fillSlots(node);
    flush();
  }

  /**
   * The node's final frame for a call arrived: frees its slot, records the outcome and refills the
   * slot. Returns the call when its caller still awaits this answer; null when the node was not
   * running it (late, duplicate or forged: counted), it was already answered, or it moved on.
   */
  PendingCall finish(NodeSession node, long callId, Error error) {
    lock.lock();
    try {
      PendingCall call = node.end(callId);
      if (call == null) {
        ignoredFrames.incrementAndGet();
        log.debug("Ignored a final frame from {} for call {} it was not running", node, callId);
        return null;
      }
      releaseInFlight();
      if (call.node() != node) {
        fillSlots(node); // the call moved on when this node fell silent; only its slot comes back
        return null;
      }
      boolean refused = error != null && Wire.fromWire(error.getCode()) == ErrorCode.OVERLOADED;
      outcomes.record(node, call, error, refused);
      PendingCall.State previous = call.state();
      if (refused && previous == PendingCall.State.DISPATCHED) {
        log.warn("Node '{}' refused call {} with OVERLOADED while the gateway counted {} of its {} slots in use: "
            + "counted as a node failure", node.nodeId, call.id, node.inFlight() + 1, node.maxConcurrency);
        if (reroute(call, node)) {
          fillSlots(node);
          return null;
        }
      }
      call.state(PendingCall.State.DONE);
      fillSlots(node);
      return previous == PendingCall.State.DISPATCHED ? call : null;
    } finally {
      lock.unlock();
    }
  }

  /**
   * The call's caller stopped waiting (deadline, cancel, a broken stream): a queued call leaves its
   * queue; a running one is told to cancel, and its node keeps the slot until it answers. Returns
   * the error to complete the call with, or null when it was already done.
   */
  Error abandon(PendingCall call, ErrorCode code, String reason) {
    NodeSession node = null;
    long waitedMillis = TimeUnit.NANOSECONDS.toMillis(clock.nanoTime() - call.arrivedNanos);
    Error.Builder error = Error.newBuilder().setCode(Wire.toWire(code));
    lock.lock();
    try {
      switch (call.state()) {
        case QUEUED -> {
          queues.remove(call);
          call.state(PendingCall.State.DONE);
          error.setMessage(reason != null ? reason : "Deadline exceeded after " + waitedMillis + " ms while '" + call.function()
              + "' waited in the queue: every node offering it stayed busy.");
        }
        case DISPATCHED -> {
          call.state(PendingCall.State.ABANDONED);
          node = call.node();
          error.setReachedNode(true).setNodeId(node.nodeId);
          error.setMessage(reason != null ? reason : "Deadline exceeded after " + waitedMillis + " ms while '" + call.function()
              + "' ran on node '" + node.nodeId + "'; the node was told to cancel it.");
          String why = code == ErrorCode.DEADLINE_EXCEEDED ? "deadline exceeded" : code == ErrorCode.CANCELLED ? "caller cancelled" : reason;
          enqueue(node, cancelFrame(call.id, why));
        }
        case FORWARDED -> {
          call.state(PendingCall.State.DONE);
          if (forwarding.withdraw(call)) { // held here while this gateway was cut off from NATS: it never left
            error.setMessage(reason != null ? reason : "Deadline exceeded after " + waitedMillis + " ms while '" + call.function()
                + "' waited to be forwarded to gateway '" + call.forwardedTo() + "' (this gateway was cut off from the cluster's "
                + "NATS servers); it never left this gateway, so it never ran.");
          } else {
            if (code == ErrorCode.CANCELLED) { // at its deadline the other gateway ends it by itself
              forwarding.cancel(call);
            }
            error.setReachedNode(true); // it may be running on the other gateway's node
            error.setMessage(reason != null ? reason : "Deadline exceeded after " + waitedMillis + " ms while '" + call.function()
                + "' was forwarded to gateway '" + call.forwardedTo() + "'.");
          }
        }
        case FOLLOWING -> {
          call.state(PendingCall.State.DONE);
          error.setMessage(reason != null ? reason : "Deadline exceeded after " + waitedMillis
              + " ms while waiting for the first call with the same idempotency key.");
        }
        default -> {
          return null;
        }
      }
    } finally {
      lock.unlock();
    }
    return error.build();
  }

  /**
   * Sends a call that left {@code lostNode} to another node, or back to its queue, when it may run
   * again: the function is idempotent (or the caller allowed it), it has attempts and deadline
   * left, it streamed nothing, the gateway is not closing and the failover budget allows it. On
   * false nothing changed.
   */
  boolean reroute(PendingCall call, NodeSession lostNode) {
    lock.lock();
    try {
      long now = clock.nanoTime();
      FunctionSpec spec = lostNode.functions.get(call.function());
      boolean safe = call.request.retryNonIdempotent() || (spec != null && spec.getIdempotent());
      boolean may = safe && call.request.pinnedNode() == null && call.attempts() < Math.max(1, call.request.maxAttempts())
          && call.items() == 0 && call.request.deadlineNanos() - now > 0 && !closing && failoverBudget.tryFailover(now);
      if (!may) {
        return false;
      }
      call.requeued();
      if (route(call) == null || queues.offer(call)) { // no node offers it now: it waits in the queue
        return true;
      }
      call.restore(lostNode); // no room anywhere: back as it was
      return false;
    } finally {
      lock.unlock();
    }
  }

  /**
   * Whether a call like {@code request} would wait here for a node to come (the start-up grace, or
   * its function's nodes lost a moment ago) rather than be routed, forwarded or refused now.
   */
  boolean waitsForANode(CallRequestSpec request) {
    lock.lock();
    try {
      String function = request.function();
      if (!table.offering(function).isEmpty() || request.pinnedNode() != null) {
        return false;
      }
      RemoteGateways gateways = forwarding.remote();
      if (gateways != null && gateways.choose(request) != null) {
        return false;
      }
      return grace.active() || lostFunctions.awaited(function, clock.nanoTime()) != null;
    } finally {
      lock.unlock();
    }
  }

  /** The gateway listens: the registration grace runs from now. */
  void startGrace() {
    grace.start();
  }

  /**
   * The start-up grace is over: calls still waiting for a function nobody offers, and that never
   * reached a node, fail as unknown.
   */
  void endGrace() {
    List<Runnable> failures;
    lock.lock();
    try {
      grace.end();
      // Only calls that never reached a node: one moved off a lost node may have run, so it is not
      // "unknown" (reached_node false would invite a retry); it waits for a node until its deadline.
      failures = takeAsUnknown(call -> call.attempts() == 0 && table.offering(call.function()).isEmpty());
    } finally {
      lock.unlock();
    }
    failures.forEach(Runnable::run);
  }

  /** Takes the queued calls {@code which} selects out of their queues; the result fails each as unknown (run it unlocked). */
  @GuardedBy("lock")
  private List<Runnable> takeAsUnknown(java.util.function.Predicate<PendingCall> which) {
    List<Runnable> failures = new ArrayList<>();
    for (PendingCall call : queues.removeWhere(which)) {
      call.state(PendingCall.State.DONE);
      Error unknown = Errors.functionNotFound(call.function(), table.visibleTo(call.request.grant()));
      failures.add(() -> call.fail(unknown));
    }
    return failures;
  }

  /**
   * The node was just taken out of the routing table without draining first (its stream broke, or
   * it fell silent and was given up): for {@link SchedulerSettings#lostFunctionWaitMillis()}, a
   * call to one of its functions that finds no node offering it waits in its queue for a node to
   * register again instead of failing with FUNCTION_NOT_FOUND. Call it under the routing lock, in
   * the same step as the removal, so that no call sees the function gone without the wait.
   */
  void nodeLost(NodeSession node) {
    lock.lock();
    try {
      if (closing || node.draining()) {
        return; // withdrawn on purpose: its functions are gone
      }
      lostFunctions.lost(node, clock.nanoTime() + lostFunctionWaitNanos);
    } finally {
      lock.unlock();
    }
    clock.schedule(this::endLostFunctionWaits, lostFunctionWaitNanos);
  }

  /**
   * Calls that waited for a lost function's nodes in vain fail as unknown when its wait is over
   * (those that never reached a node; a call moved off a lost node waits until its deadline).
   */
  void endLostFunctionWaits() {
    List<Runnable> failures = List.of();
    lock.lock();
    try {
      List<String> over = lostFunctions.expire(clock.nanoTime());
      if (!over.isEmpty() && !grace.active()) {
        failures = takeAsUnknown(call -> over.contains(call.function()) && call.attempts() == 0
            && table.offering(call.function()).isEmpty());
      }
    } finally {
      lock.unlock();
    }
    failures.forEach(Runnable::run);
  }

  /** Nodes lost a moment ago, not registered again, whose functions calls still wait for ({@link LostFunctions#awaitedNodes}). */
  List<NodeSession> awaitedNodes() {
    lock.lock();
    try {
      List<NodeSession> awaited = lostFunctions.awaitedNodes(clock.nanoTime());
      awaited.removeIf(node -> table.node(node.nodeId) != null);
      return awaited;
    } finally {
      lock.unlock();
    }
  }

  /** Slots of a lost node were freed without an answer. */
  void released(int calls) {
    lock.lock();
    try {
      for (int i = 0; i < calls; i++) {
        releaseInFlight();
      }
    } finally {
      lock.unlock();
    }
  }

  @GuardedBy("lock")
  private void releaseInFlight() {
    inFlight--;
    if (inFlight == 0) {
      idle.signalAll();
    }
  }

  /** Stops routing: new calls are refused; the calls still queued are returned to be failed. */
  List<PendingCall> close() {
    lock.lock();
    try {
      closing = true;
      List<PendingCall> waiting = queues.drainAll();
      for (PendingCall call : waiting) {
        call.state(PendingCall.State.DONE);
      }
      return waiting;
    } finally {
      lock.unlock();
    }
  }

  boolean closing() {
    lock.lock();
    try {
      return closing;
    } finally {
      lock.unlock();
    }
  }

  /** Waits up to {@code timeoutNanos} for every dispatched call to be answered. */
  void awaitIdle(long timeoutNanos) throws InterruptedException {
    lock.lock();
    try {
      long remaining = timeoutNanos;
      while (inFlight > 0 && remaining > 0) {
        remaining = idle.awaitNanos(remaining);
      }
    } finally {
      lock.unlock();
    }
  }

  /** Calls dispatched to nodes and not yet answered (including abandoned ones still running). */
  int inFlight() {
    lock.lock();
    try {
      return inFlight;
    } finally {
      lock.unlock();
    }
  }

  /** Calls waiting in queues, for one function or (null) all. */
  int queued(String function) {
    lock.lock();
    try {
      return function == null ? queues.size() : queues.size(function);
    } finally {
      lock.unlock();
    }
  }

  /** Counts a frame for a call its node was not running. */
  void ignored() {
    ignoredFrames.incrementAndGet();
  }

  /** Final frames and stream items that arrived for calls the node was not running (late, duplicate or forged). */
  long ignoredFrames() {
    return ignoredFrames.get();
  }

  /** Queues a frame for the node; {@link #flush()} writes it. */
  void enqueue(NodeSession node, GatewayFrame frame) {
    node.enqueue(frame);
    unflushed.add(node);
  }

  /** Writes the frames queued for nodes and sends the calls forwarded to other gateways. Call it after releasing the routing lock. */
  void flush() {
    NodeSession node;
    while ((node = unflushed.poll()) != null) {
      node.flush();
    }
    forwarding.flush();
  }

  static GatewayFrame cancelFrame(long callId, String reason) {
    return GatewayFrame.newBuilder().setCancel(Cancel.newBuilder().setCallId(callId).setReason(reason)).build();
  }
}
