package io.easyremote.gateway.internal.core;

import io.easyremote.gateway.internal.balance.Balancers;
import io.easyremote.protocol.ErrorCode;
import io.easyremote.protocol.Strategy;
import io.easyremote.protocol.internal.Names;
import io.easyremote.protocol.Version;
import io.easyremote.protocol.internal.Wire;
import io.easyremote.protocol.wire.Cancel;
import io.easyremote.protocol.wire.Credit;
import io.easyremote.protocol.wire.Drain;
import io.easyremote.protocol.wire.Error;
import io.easyremote.protocol.wire.FunctionSpec;
import io.easyremote.protocol.wire.GatewayFrame;
import io.easyremote.protocol.wire.Heartbeat;
import io.easyremote.protocol.wire.Hello;
import io.easyremote.protocol.wire.Invoke;
import io.easyremote.protocol.wire.Result;
import io.easyremote.protocol.wire.StreamEnd;
import io.easyremote.protocol.wire.StreamItem;
import io.easyremote.protocol.wire.Welcome;
import io.grpc.stub.StreamObserver;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The gateway's core: the function directory, per-function call queues, dispatch to nodes with
 * a free slot, deadlines, cancellation and node loss. Every front end goes through here.
 *
 * <p>One lock guards all routing state, held only for short, non-blocking sections. Callers'
 * sinks are completed outside the lock. {@code Invoke} frames are written under the lock so a
 * node always sees a call's {@code Invoke} before any {@code Cancel} for it.
 */
public final class CallScheduler {
  private static final Logger log = LoggerFactory.getLogger(CallScheduler.class);
  /** Pools larger than this are sampled rather than scanned when a call is routed; see {@link #sampleFree}. */
  private static final int SAMPLE_ABOVE = 64;
  private static final int SAMPLE_SIZE = 16;
  /** Longest idempotency key accepted. */
  static final int MAX_KEY_CHARS = 256;
  /** Nodes named in a NO_NODE_AVAILABLE message at most. */
  private static final int MAX_NODES_EXPLAINED = 10;

  private final SchedulerSettings settings;
  private final ReentrantLock lock = new ReentrantLock();
  private final Condition idle = lock.newCondition();
  private final Map<String, NodeSession> nodes = new LinkedHashMap<>();
  private final Map<String, List<NodeSession>> byFunction = new HashMap<>();
  private final FunctionOwners owners;
  private final CallQueues queues;
  private final Balancers<NodeSession> balancers = new Balancers<>();
  private final ScheduledThreadPoolExecutor timer;
  private final AtomicLong callIds = new AtomicLong();
  private final AtomicLong unknownResults = new AtomicLong();
  private final RetryBudget retryBudget = new RetryBudget(0.2, 10, 100);
  private final IdempotencyCache idempotency = new IdempotencyCache(IdempotencyCache.Limits.DEFAULT);
  private final java.util.concurrent.atomic.AtomicInteger bufferedStreamItems = new java.util.concurrent.atomic.AtomicInteger();
  private int inFlight;
  private boolean closing;

  private final CallListener listener;
  private final long graceEndsNanos;
  private final long checkEveryMillis;
  /** Timer thread only: when the last health check ran, to notice when this process itself was starved. */
  private long lastCheckMillis;

  public CallScheduler(SchedulerSettings settings, CallListener listener) {
    this.settings = settings;
    this.listener = listener;
    this.graceEndsNanos = System.nanoTime() + settings.registrationGrace().toNanos();
    this.queues = new CallQueues(settings.maxQueuedCallsPerFunction());
    this.owners = new FunctionOwners(settings.ownershipHold().toNanos());
    this.timer = new ScheduledThreadPoolExecutor(1, runnable -> {
      Thread t = Executors.defaultThreadFactory().newThread(runnable);
      t.setName("easyremote-gateway-timer");
      t.setDaemon(true);
      return t;
    });
    this.timer.setRemoveOnCancelPolicy(true);
    if (!settings.registrationGrace().isZero()) {
      timer.schedule(this::endGrace, settings.registrationGrace().toNanos(), TimeUnit.NANOSECONDS);
    }
    this.checkEveryMillis = Math.max(10, settings.heartbeatInterval().toMillis() / 4);
    this.timer.scheduleAtFixedRate(this::checkHealth, checkEveryMillis, checkEveryMillis, TimeUnit.MILLISECONDS);
  }

  // ------------------------------------------------------------------ calls

  /**
   * Routes a call: dispatches it to a node with a free slot, queues it, or fails it at once.
   * Always returns the call; its sink is completed exactly once, possibly before this returns.
   */
  public PendingCall submit(CallRequestSpec request, CallSink sink) {
    PendingCall call = new PendingCall(callIds.incrementAndGet(), request, sink, listener);
    Error early = validate(request);
    if (early == null) {
      early = request.grant().authorize(request.function()); // before any lookup: an error never tells what exists
    }
    if (early != null) {
      call.fail(early);
      return call;
    }
    String key = request.idempotencyKey();
    if (key != null && !request.stream()) {
      PendingCall follower = call;
      lock.lock();
      try {
        follower.state = PendingCall.State.FOLLOWING;
      } finally {
        lock.unlock();
      }
      IdempotencyCache.Decision decision = idempotency.leadOrFollow(request.grant().idempotencyScope(), request.function(), key,
          request.payload(), sink, follower.asSink());
      if (decision.refusal() != null) {
        lock.lock();
        try {
          follower.state = PendingCall.State.DONE;
        } finally {
          lock.unlock();
        }
        follower.fail(decision.refusal());
        return follower;
      }
      if (decision.lead() == null) {
        scheduleDeadline(follower);
        return follower;
      }
      call = new PendingCall(call.id, request, decision.lead(), listener);
    }
    Error error;
    lock.lock();
    try {
      retryBudget.onCall();
      error = route(call);
      if (error == null) {
        scheduleDeadline(call);
      }
    } finally {
      lock.unlock();
    }
    if (error != null) {
      call.fail(error);
    }
    return call;
  }

  private void scheduleDeadline(PendingCall call) {
    long delay = call.request.deadlineNanos() - System.nanoTime();
    call.deadlineTimer = timer.schedule(() -> expire(call), Math.max(0, delay), TimeUnit.NANOSECONDS);
  }

  private Error validate(CallRequestSpec request) {
    String problem = Names.functionNameProblem(request.function());
    if (problem != null) {
      return Errors.of(ErrorCode.INVALID_REQUEST, "Invalid call: " + problem + ".");
    }
    int size = request.payload().getData().size();
    if (size > settings.maxPayloadBytes()) {
      return Errors.of(ErrorCode.PAYLOAD_TOO_LARGE, "Arguments of '" + request.function() + "' are " + Errors.bytes(size)
          + "; the gateway accepts at most " + Errors.bytes(settings.maxPayloadBytes()) + ".");
    }
    String unfit = request.requirements().problem();
    if (unfit != null) {
      return Errors.of(ErrorCode.INVALID_REQUEST, "Invalid requirements: " + unfit + ".");
    }
    if (request.idempotencyKey() != null && (request.idempotencyKey().isEmpty() || request.idempotencyKey().length() > MAX_KEY_CHARS)) {
      return Errors.of(ErrorCode.INVALID_REQUEST, "An idempotency key must be 1 to " + MAX_KEY_CHARS + " characters.");
    }
    if (request.deadlineNanos() - System.nanoTime() <= 0) {
      return Errors.of(ErrorCode.DEADLINE_EXCEEDED, "The deadline of the call to '" + request.function() + "' had passed on arrival.");
    }
    return null;
  }

  /** Under the lock: dispatches or queues the call, or returns why it cannot be served. */
  private Error route(PendingCall call) {
    String function = call.function();
    if (closing) {
      return Errors.of(ErrorCode.UNAVAILABLE, "The gateway is shutting down; retry on another gateway or later.");
    }
    List<NodeSession> offering = byFunction.get(function);
    if (offering == null || offering.isEmpty()) {
      if (System.nanoTime() < graceEndsNanos && call.request.pinnedNode() == null && queues.offer(call)) {
        return null; // just started: its node is probably still reconnecting
      }
      return Errors.functionNotFound(function, visibleFunctions(call.request.grant()));
    }
    FunctionSpec spec = offering.get(0).functions.get(function);
    if (spec.getStreaming() && !call.request.stream()) {
      return Errors.of(ErrorCode.INVALID_REQUEST, "'" + function + "' is a streaming function: call it as a stream "
          + "(Client.stream, gRPC CallStream, or Server-Sent Events over HTTP).");
    }
    if (!call.admitted) {
      Error denied = call.request.grant().admit(function, spec);
      if (denied != null) {
        return denied;
      }
      call.admitted = true;
    }
    String pinned = call.request.pinnedNode();
    if (pinned != null) {
      NodeSession node = nodes.get(pinned);
      if (node == null || !node.functions.containsKey(function)) {
        String why = node == null ? "is not connected" : "does not offer '" + function + "'";
        return Errors.of(ErrorCode.NO_NODE_AVAILABLE, "Node '" + pinned + "' " + why + ". Nodes offering '" + function
            + "': " + Errors.list(offering.stream().map(NodeSession::nodeId).toList()) + ".");
      }
    }
    Requirements requirements = call.request.requirements();
    if (!requirements.isEmpty() && offering.stream().noneMatch(node -> requirements.mismatch(node) == null)) {
      StringBuilder why = new StringBuilder("No node offering '" + function + "' meets the call's requirements:");
      for (NodeSession node : offering.subList(0, Math.min(offering.size(), MAX_NODES_EXPLAINED))) {
        why.append(' ').append(node.nodeId).append(" (").append(requirements.mismatch(node)).append(");");
      }
      why.setLength(why.length() - 1);
      if (offering.size() > MAX_NODES_EXPLAINED) {
        why.append(" and ").append(offering.size() - MAX_NODES_EXPLAINED).append(" more");
      }
      return Errors.of(ErrorCode.NO_NODE_AVAILABLE, why.append('.').toString());
    }
    long now = System.nanoTime();
    Strategy strategy = call.request.strategy() != null ? call.request.strategy() : settings.defaultStrategy();
    if (offering.size() > SAMPLE_ABOVE && pinned == null && requirements.isEmpty() && samplingKeeps(strategy)) {
      List<NodeSession> sampled = sampleFree(offering, call, now);
      if (!sampled.isEmpty()) {
        dispatch(call, balancers.get(strategy).pick(function, sampled, now));
        return null;
      }
    }
    boolean panic = allEjected(offering, call, now);
    List<NodeSession> free = new ArrayList<>(offering.size());
    for (NodeSession node : offering) {
      if (node.hasFreeSlot() && node.accepts(now, panic) && qualifies(call, node)) {
        free.add(node);
      }
    }
    if (!free.isEmpty()) {
      dispatch(call, balancers.get(strategy).pick(function, free, now));
      return null;
    }
    if (!queues.offer(call)) {
      return Errors.overloaded(function, queues.size(function), retryAfterMillis(offering));
    }
    return null;
  }

  /** Under the lock: the registered functions this caller may see (listings and error messages). */
  private java.util.Set<String> visibleFunctions(CallGrant grant) {
    java.util.Set<String> visible = new java.util.TreeSet<>();
    for (Map.Entry<String, List<NodeSession>> e : byFunction.entrySet()) {
      if (grant.maySee(e.getKey(), e.getValue().get(0).functions.get(e.getKey()))) {
        visible.add(e.getKey());
      }
    }
    return visible;
  }

  /**
   * Whether a strategy picks the same way from a random sample of the nodes as from all of them:
   * the power-of-two strategies compare two random eligible nodes anyway; round robin (strict
   * rotation) and cost_aware (the cheapest of all) need every node.
   */
  private static boolean samplingKeeps(Strategy strategy) {
    return strategy != Strategy.ROUND_ROBIN && strategy != Strategy.COST_AWARE;
  }

  /**
   * Under the lock: up to {@link #SAMPLE_SIZE} randomly chosen nodes of a large pool that could
   * take a call now. Scanning 10,000 nodes for every call held the scheduler lock for ~0.7 ms
   * (scripts/bench, scale scenario); a sample that finds no free node falls back to the full scan.
   */
  private static List<NodeSession> sampleFree(List<NodeSession> offering, PendingCall call, long now) {
    ThreadLocalRandom random = ThreadLocalRandom.current();
    List<NodeSession> sample = new ArrayList<>(SAMPLE_SIZE);
    for (int i = 0; i < SAMPLE_SIZE; i++) {
      NodeSession node = offering.get(random.nextInt(offering.size()));
      if (node.hasFreeSlot() && node.accepts(now, false) && !sample.contains(node) && !node.calls.containsKey(call.id)) {
        sample.add(node);
      }
    }
    return sample;
  }

  /**
   * Whether the node may run the call: the pin and the requirements allow it, and the node is not
   * still holding an earlier attempt of the same call (given up when it fell silent): a call id is
   * never sent twice to one node.
   */
  private static boolean qualifies(PendingCall call, NodeSession node) {
    String pinned = call.request.pinnedNode();
    return (pinned == null || pinned.equals(node.nodeId)) && call.request.requirements().mismatch(node) == null
        && !node.calls.containsKey(call.id);
  }

  /** True when every node that could run the call is ejected: then ejection is ignored rather than starving the call. */
  private static boolean allEjected(List<NodeSession> offering, PendingCall call, long now) {
    for (NodeSession node : offering) {
      if (qualifies(call, node) && !node.removed && !node.suspect && !node.draining && !node.isEjected(now)) {
        return false;
      }
    }
    return true;
  }

  private static long retryAfterMillis(List<NodeSession> offering) {
    double latency = 0;
    for (NodeSession node : offering) {
      latency = Math.max(latency, node.latency.displayMillis());
    }
    return Math.max(100, Math.min(10_000, Math.round(latency)));
  }

  /** Under the lock: sends the call to the node and counts it in flight. */
  private void dispatch(PendingCall call, NodeSession node) {
    long now = System.nanoTime();
    call.state = PendingCall.State.DISPATCHED;
    call.node = node;
    call.dispatchedNanos = now;
    call.attempts++;
    node.inFlight++;
    node.calls.put(call.id, call);
    inFlight++;
    long remainingMillis = Math.max(1, TimeUnit.NANOSECONDS.toMillis(call.request.deadlineNanos() - now));
    Invoke invoke = Invoke.newBuilder()
        .setCallId(call.id)
        .setFunction(call.function())
        .setPayload(call.request.payload())
        .setDeadlineMs(remainingMillis)
        .setCaller(call.request.caller())
        .setStreamCredits((int) Math.min(Integer.MAX_VALUE, call.credits))
        .setAttempt(call.attempts)
        .putAllTrace(call.onDispatch(node.nodeId))
        .build();
    node.send(GatewayFrame.newBuilder().setInvoke(invoke).build());
    call.dispatched(node.nodeId);
  }

  /**
   * Under the lock: fills the node's free slots from the queues of the functions it offers. Each
   * queue offers its next call in fair order; across functions the longest-waiting offer wins.
   */
  private void fillSlots(NodeSession node) {
    long now = System.nanoTime();
    while (node.hasFreeSlot() && !node.removed && !node.suspect && !node.draining) {
      PendingCall next = queues.takeNextFor(node, (function, c) -> qualifies(c, node)
          && (!node.isEjected(now) || allEjected(byFunction.getOrDefault(function, List.of()), c, now)));
      if (next == null) {
        return;
      }
      dispatch(next, node);
    }
  }

  /** The start-up grace is over: calls still waiting for a function nobody offers fail as unknown. */
  private void endGrace() {
    List<PendingCall> unknown = new ArrayList<>();
    List<Error> errors = new ArrayList<>();
    lock.lock();
    try {
      unknown.addAll(queues.removeWhere(call -> !byFunction.containsKey(call.function())));
      for (PendingCall call : unknown) {
        call.state = PendingCall.State.DONE;
        errors.add(Errors.functionNotFound(call.function(), visibleFunctions(call.request.grant())));
      }
    } finally {
      lock.unlock();
    }
    for (int i = 0; i < unknown.size(); i++) {
      unknown.get(i).fail(errors.get(i));
    }
  }

  /** The caller went away: forget a queued call, or cancel a running one on its node. */
  public void cancel(PendingCall call, ErrorCode code, String reason) {
    if (call.request.idempotencyKey() != null && call.state != PendingCall.State.FOLLOWING) {
      return; // keep running: a repeat with the same key will want the outcome
    }
    Error error = abandon(call, code, reason);
    if (error != null) {
      call.fail(error);
    }
  }

  private void expire(PendingCall call) {
    Error error = abandon(call, ErrorCode.DEADLINE_EXCEEDED, null);
    if (error != null) {
      call.fail(error);
    }
  }

  private Error abandon(PendingCall call, ErrorCode code, String reason) {
    NodeSession node = null;
    long waitedMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - call.arrivedNanos);
    Error.Builder error = Error.newBuilder().setCode(Wire.toWire(code));
    lock.lock();
    try {
      switch (call.state) {
        case QUEUED -> {
          queues.remove(call);
          call.state = PendingCall.State.DONE;
          error.setMessage(reason != null ? reason : "Deadline exceeded after " + waitedMillis + " ms while '" + call.function()
              + "' waited in the queue: every node offering it stayed busy.");
        }
        case DISPATCHED -> {
          // The node keeps the slot until it answers: it may still be running the method.
          call.state = PendingCall.State.ABANDONED;
          node = call.node;
          error.setReachedNode(true).setNodeId(node.nodeId);
          error.setMessage(reason != null ? reason : "Deadline exceeded after " + waitedMillis + " ms while '" + call.function()
              + "' ran on node '" + node.nodeId + "'; the node was told to cancel it.");
        }
        case FOLLOWING -> {
          call.state = PendingCall.State.DONE;
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
    if (node != null) {
      String why = code == ErrorCode.DEADLINE_EXCEEDED ? "deadline exceeded" : code == ErrorCode.CANCELLED ? "caller cancelled" : reason;
      node.send(GatewayFrame.newBuilder().setCancel(Cancel.newBuilder().setCallId(call.id).setReason(why)).build());
    }
    return error.build();
  }

  /** A node answered a call. Results for calls the node was never sent are ignored and counted. */
  public void onResult(NodeSession node, Result result) {
    PendingCall call = finish(node, result.getCallId(), result.hasError() ? result.getError() : null);
    if (call == null) {
      return; // unknown, or already answered with a deadline or cancellation
    }
    if (result.hasError()) {
      Error error = result.getError();
      boolean refused = error.getCode() == io.easyremote.protocol.wire.ErrorCode.OVERLOADED; // the node did not run it
      call.fail(error.getNodeId().isEmpty() ? error.toBuilder().setNodeId(node.nodeId).setReachedNode(!refused).build() : error);
    } else if (result.getPayload().getData().size() > settings.maxPayloadBytes()) {
      call.fail(Error.newBuilder().setCode(Wire.toWire(ErrorCode.PAYLOAD_TOO_LARGE)).setReachedNode(true).setNodeId(node.nodeId)
          .setMessage("The result of '" + call.function() + "' is " + Errors.bytes(result.getPayload().getData().size())
              + "; the gateway accepts at most " + Errors.bytes(settings.maxPayloadBytes()) + ".").build());
    } else {
      call.succeed(result.getPayload(), node.nodeId);
    }
  }


  /**
   * The node's final frame for a call arrived: frees its slot, records the outcome and refills
   * the slot from the queues. Returns the call when its caller still awaits the answer; null when
   * the node was not running it (late, duplicate or forged: counted) or it was already answered.
   */
  private PendingCall finish(NodeSession node, long callId, Error error) {
    lock.lock();
    try {
      PendingCall call = node.calls.remove(callId);
      if (call == null) {
        unknownResults.incrementAndGet();
        log.debug("Ignored a final frame from {} for call {} it was not running", node, callId);
        return null;
      }
      node.inFlight--;
      releaseInFlight();
      if (call.node != node) {
        fillSlots(node); // the call moved on when this node fell silent; only its slot comes back
        return null;
      }
      boolean refused = error != null && error.getCode() == io.easyremote.protocol.wire.ErrorCode.OVERLOADED;
      recordOutcome(node, call, error, refused);
      PendingCall.State previous = call.state;
      if (refused && previous == PendingCall.State.DISPATCHED) {
        log.warn("Node '{}' refused call {} with OVERLOADED while the gateway counted {} of its {} slots in use: "
            + "counted as a node failure", node.nodeId, call.id, node.inFlight + 1, node.maxConcurrency);
        if (mayFailOver(call, node, System.nanoTime())) {
          call.state = PendingCall.State.QUEUED;
          call.node = null;
          if (requeue(call)) {
            fillSlots(node);
            return null;
          }
        }
      }
      call.state = PendingCall.State.DONE;
      fillSlots(node);
      return previous == PendingCall.State.DISPATCHED ? call : null;
    } finally {
      lock.unlock();
    }
  }

  /** A streaming call's next item. Items beyond the caller's credits, or for unknown calls, are refused. */
  public void onStreamItem(NodeSession node, StreamItem item) {
    PendingCall call;
    Error violation = null;
    lock.lock();
    try {
      call = node.calls.get(item.getCallId());
      if (call == null) {
        unknownResults.incrementAndGet();
        return;
      }
      if (call.state != PendingCall.State.DISPATCHED || call.node != node || !call.request.stream()) {
        return; // abandoned or moved on: the node was told to cancel
      }
      if (call.credits <= 0) {
        violation = Errors.of(ErrorCode.INTERNAL, "Node '" + node.nodeId + "' sent more items of '" + call.function()
            + "' than the caller granted; the stream was stopped.");
      } else if (item.getPayload().getData().size() > settings.maxPayloadBytes()) {
        violation = Errors.of(ErrorCode.PAYLOAD_TOO_LARGE, "An item of '" + call.function() + "' is "
            + Errors.bytes(item.getPayload().getData().size()) + "; the gateway accepts at most " + Errors.bytes(settings.maxPayloadBytes()) + ".");
      } else {
        call.credits--;
        call.items++;
      }
    } finally {
      lock.unlock();
    }
    if (violation != null) {
      Error error = abandon(call, ErrorCode.INTERNAL, violation.getMessage());
      if (error != null) {
        call.fail(violation.toBuilder().setReachedNode(true).setNodeId(node.nodeId).build());
      }
      return;
    }
    call.item(item.getPayload(), node.nodeId);
  }

  /** A streaming call ended on its node, normally or with an error. */
  public void onStreamEnd(NodeSession node, StreamEnd end) {
    PendingCall call = finish(node, end.getCallId(), end.hasError() ? end.getError() : null);
    if (call == null) {
      return;
    }
    if (end.hasError()) {
      Error error = end.getError();
      call.fail(error.toBuilder().setNodeId(node.nodeId).setReachedNode(true).build());
    } else if (end.getCount() != call.items) {
      call.fail(Errors.of(ErrorCode.INTERNAL, "The stream of '" + call.function() + "' from node '" + node.nodeId + "' ended after "
          + call.items + " items but the node counted " + end.getCount() + ".").toBuilder().setNodeId(node.nodeId).setReachedNode(true).build());
    } else {
      call.end(end.getCount(), node.nodeId);
    }
  }

  /** The caller of a stream is ready for {@code n} more items: forwarded to the node, or kept for dispatch. */
  public void credit(PendingCall call, int n) {
    if (n <= 0) {
      return;
    }
    lock.lock();
    try {
      if (call.state == PendingCall.State.QUEUED) {
        call.credits += n;
      } else if (call.state == PendingCall.State.DISPATCHED) {
        call.credits += n;
        call.node.send(GatewayFrame.newBuilder().setCredit(Credit.newBuilder().setCallId(call.id).setN(n)).build());
      }
    } finally {
      lock.unlock();
    }
  }

  /** Under the lock: feeds a finished call's latency and outcome to the node's statistics and ejection. */
  private void recordOutcome(NodeSession node, PendingCall call, Error error, boolean nodeFault) {
    long now = System.nanoTime();
    boolean failed = nodeFault || error != null
        && (error.getCode() == io.easyremote.protocol.wire.ErrorCode.FUNCTION_FAILED
            || error.getCode() == io.easyremote.protocol.wire.ErrorCode.INTERNAL);
    if (failed) { // a caller's mistake or cancel is not the node's failure
      node.callsFailed++;
    } else {
      node.callsServed++;
    }
    boolean ejected = node.recordOutcome((now - call.dispatchedNanos) / 1e6, failed, now,
        settings.ejectAfterFailures(), settings.ejectBackoff().toNanos());
    if (ejected) {
      long backoff = node.ejectedUntilNanos - now;
      log.warn("Node '{}' ejected for {} ms after {} consecutive failures", node.nodeId, backoff / 1_000_000, settings.ejectAfterFailures());
      timer.schedule(() -> readmit(node), backoff, TimeUnit.NANOSECONDS);
    }
  }

  private void readmit(NodeSession node) {
    lock.lock();
    try {
      if (!node.removed && !node.isEjected(System.nanoTime())) {
        log.info("Node '{}' re-admitted after its ejection", node.nodeId);
        fillSlots(node);
      }
    } finally {
      lock.unlock();
    }
  }

  private void releaseInFlight() {
    inFlight--;
    if (inFlight == 0) {
      idle.signalAll();
    }
  }

  // ------------------------------------------------------------------ nodes

  /**
   * Registers a node from its Hello, replacing a stale session with the same id, and sends
   * Welcome. Queued calls it can serve are dispatched right after.
   *
   * @throws RegistrationException if the Hello is not acceptable
   */
  public NodeSession register(Hello hello, StreamObserver<GatewayFrame> out) throws RegistrationException {
    return register(hello, out, null, (function, owner, newcomer) -> true);
  }

  /** Decides whether a function served under one token may also be served under another. */
  @FunctionalInterface
  public interface Sharing {
    boolean allowed(String function, String ownerPrincipal, String newcomerPrincipal);
  }

  /**
   * Registers a node admitted under {@code principal} (its token's name, or null on an open
   * gateway). A function already served under another principal is refused unless
   * {@code sharing} allows it: no node can take over another owner's function names.
   *
   * @throws RegistrationException if the Hello is not acceptable or a name belongs to someone else
   */
  public NodeSession register(Hello hello, StreamObserver<GatewayFrame> out, String principal, Sharing sharing)
      throws RegistrationException {
    HelloChecks.check(hello, settings.maxFunctionsPerNode());
    NodeSession session = new NodeSession(UUID.randomUUID().toString(), hello, out, settings.warmup().toNanos());
    session.principal = principal;
    NodeSession replaced;
    lock.lock();
    try {
      if (closing) {
        throw new RegistrationException(ErrorCode.UNAVAILABLE, "The gateway is shutting down.");
      }
      NodeSession previous = nodes.get(session.nodeId);
      long now = System.nanoTime();
      String idHolder = owners.nodeIdHeldAgainst(session.nodeId, principal, now);
      if (idHolder != null) {
        throw new RegistrationException(ErrorCode.PERMISSION_DENIED, "Node id '" + session.nodeId + "' belongs to token '" + idHolder
            + "' (its node is reconnecting); it is held for its owner until " + settings.ownershipHold().toMinutes()
            + " min after it left, or until an admin releases it.");
      }
      for (String function : session.functions.keySet()) {
        for (String owner : owners.of(function)) {
          if (!java.util.Objects.equals(owner, principal) && !onlyServedBy(previous, function, owner)
              && !sharing.allowed(function, owner, principal)) {
            throw new RegistrationException(ErrorCode.PERMISSION_DENIED, "Function '" + function + "' is already served under token '"
                + owner + "'; a node with token '" + principal + "' may not take it over.");
          }
        }
        String holder = owners.heldAgainst(function, principal, now);
        if (holder != null && !sharing.allowed(function, holder, principal)) {
          throw new RegistrationException(ErrorCode.PERMISSION_DENIED, "Function '" + function + "' belongs to token '" + holder
              + "', whose nodes are reconnecting; it is held for its owner until " + settings.ownershipHold().toMinutes()
              + " min after they left, or until an admin releases it.");
        }
      }
      if (previous != null && !java.util.Objects.equals(previous.principal, principal)) {
        throw new RegistrationException(ErrorCode.PERMISSION_DENIED,
            "Node id '" + session.nodeId + "' is connected under another token; it cannot be replaced by this one.");
      }
      replaced = nodes.put(session.nodeId, session);
      owners.nodeIdInUse(session.nodeId);
      if (replaced != null) {
        detach(replaced);
      }
      for (String function : session.functions.keySet()) {
        byFunction.computeIfAbsent(function, f -> new ArrayList<>()).add(session);
        owners.add(function, principal);
      }
      session.send(GatewayFrame.newBuilder().setWelcome(Welcome.newBuilder()
          .setSessionId(session.sessionId)
          .setHeartbeatIntervalMs((int) settings.heartbeatInterval().toMillis())
          .setGatewayVersion(Version.CURRENT)
          .setMaxPayloadBytes(settings.maxPayloadBytes())).build());
      fillSlots(session);
    } finally {
      lock.unlock();
    }
    if (replaced != null) {
      log.info("Node '{}' reconnected; replacing its previous session", session.nodeId);
      failCalls(replaced, "it reconnected with a new session");
      replaced.closeStream();
    }
    log.info("Node '{}' registered {} function(s): {}", session.nodeId, session.functions.size(), session.functions.keySet());
    return session;
  }

  /** A heartbeat arrived: fresh resources (when they are sane), and a suspect node is trusted again. */
  public void onHeartbeat(NodeSession node, Heartbeat heartbeat) {
    if (heartbeat.hasResources() && HelloChecks.resourcesProblem(heartbeat.getResources()) == null) {
      node.heartbeat(Wire.fromWire(heartbeat.getResources()));
    } else {
      node.heard();
    }
    if (node.suspect) {
      lock.lock();
      try {
        if (node.suspect && !node.removed) {
          node.suspect = false;
          node.callsMoved = false;
          node.callsFailedOver = false;
          log.info("Node '{}' is heartbeating again", node.nodeId);
          fillSlots(node);
        }
      } finally {
        lock.unlock();
      }
    }
  }

  /**
   * Runs every quarter heartbeat interval. Silence is time since any frame from the node (a node
   * busy sending results is alive however late its heartbeats). A node silent for one interval is
   * pinged (it answers with a heartbeat from its transport thread); silent for
   * {@link SchedulerSettings#suspectAfterMillis()} it is SUSPECT: no new calls, and the calls it
   * was running are given up, moved to other nodes when they may run again and failed with
   * NODE_LOST otherwise, each told to cancel; silent for the node timeout, it is removed as if its
   * stream had closed.
   */
  private void checkHealth() {
    long now = System.currentTimeMillis();
    long limit = settings.silenceLimitMillis();
    // A check that runs late means this process was starved (GC, CPU): silence may be ours, so
    // no calls are given up in this round.
    boolean gatewayStarved = lastCheckMillis != 0 && now - lastCheckMillis > 3 * checkEveryMillis;
    lastCheckMillis = now;
    List<NodeSession> silent = new ArrayList<>();
    List<NodeSession> toPing = new ArrayList<>();
    List<Failure> givenUp = new ArrayList<>();
    List<CancelOrder> toCancel = new ArrayList<>();
    lock.lock();
    try {
      for (NodeSession node : nodes.values()) {
        long heard = node.lastHeardMillis();
        long silence = now - heard;
        if (silence > limit) {
          silent.add(node);
          continue;
        }
        long interval = settings.heartbeatInterval().toMillis();
        if (silence > interval && node.pingedAtMillis < heard) {
          node.pingedAtMillis = now;
          node.probeLoop();
          toPing.add(node);
        }
        if (silence > settings.suspectAfterMillis() && !node.suspect) {
          node.suspect = true;
          log.warn("Node '{}' was silent for {} ms and did not answer a ping: no new calls until it is heard again "
              + "(given up after {} ms)", node.nodeId, silence, limit);
        }
        boolean unanswered = node.suspect && !gatewayStarved && node.pingedAtMillis >= heard
            && now - node.pingedAtMillis >= interval / 2 && node.loopRanSince(node.pingedAtMillis);
        if (unanswered && silence > settings.moveCallsAfterMillis() && !node.callsMoved) {
          node.callsMoved = true;
          int moved = giveUpCalls(node, false, givenUp, toCancel);
          log.warn("Node '{}' still silent after {} ms: {} of its calls moved to other nodes", node.nodeId, silence, moved);
        }
        if (unanswered && silence > settings.failCallsAfterMillis() && !node.callsFailedOver) {
          node.callsFailedOver = true;
          int failed = giveUpCalls(node, true, givenUp, toCancel);
          log.warn("Node '{}' still silent after {} ms: {} of its calls failed with NODE_LOST", node.nodeId, silence, failed);
        }
      }
    } finally {
      lock.unlock();
    }
    GatewayFrame ping = GatewayFrame.newBuilder().setPing(io.easyremote.protocol.wire.Ping.getDefaultInstance()).build();
    for (NodeSession node : toPing) {
      node.send(ping);
    }
    for (CancelOrder order : toCancel) {
      order.node().send(GatewayFrame.newBuilder().setCancel(Cancel.newBuilder().setCallId(order.callId()).setReason("node fell silent")).build());
    }
    for (Failure failure : givenUp) {
      failure.call().fail(failure.error());
    }
    for (NodeSession node : silent) {
      long silence = System.currentTimeMillis() - node.lastHeardMillis();
      if (silence > limit) { // not heard from since the check above
        onNodeGone(node, "no frame for " + silence + " ms");
      }
    }
  }

  /**
   * Under the lock: a suspect node's running calls leave it, each told to cancel; the node keeps
   * their slots until it answers (it may still be running them) or is given up. Calls that may run
   * again go back to routing; with {@code failTheRest}, the others are collected in {@code lost}
   * to fail with NODE_LOST. Returns how many calls left.
   */
  private int giveUpCalls(NodeSession node, boolean failTheRest, List<Failure> lost, List<CancelOrder> cancels) {
    long now = System.nanoTime();
    int left = 0;
    for (PendingCall call : node.calls.values()) {
      if (call.state != PendingCall.State.DISPATCHED || call.node != node) {
        continue;
      }
      if (mayFailOver(call, node, now)) {
        call.state = PendingCall.State.QUEUED;
        call.node = null;
        if (requeue(call)) {
          cancels.add(new CancelOrder(node, call.id));
          left++;
          continue;
        }
        call.state = PendingCall.State.DISPATCHED;
        call.node = node;
      }
      if (failTheRest) {
        call.state = PendingCall.State.ABANDONED;
        cancels.add(new CancelOrder(node, call.id));
        lost.add(new Failure(call, Errors.nodeLost(node.nodeId, call.function(), call.id,
            "it fell silent (no frame for " + settings.failCallsAfterMillis() + " ms); the call may have run.")));
        left++;
      }
    }
    return left;
  }

  /** A call to fail once the lock is released. */
  private record Failure(PendingCall call, Error error) {}

  /** A Cancel to send once the lock is released. */
  private record CancelOrder(NodeSession node, long callId) {}

  /** The node announced a drain: no new calls go to it; its running calls finish, then it closes its stream. */
  public void onNodeDraining(NodeSession node) {
    lock.lock();
    try {
      node.draining = true;
    } finally {
      lock.unlock();
    }
    // The acknowledgement: frames are ordered, so the node knows no Invoke can follow this one.
    node.send(GatewayFrame.newBuilder().setDrain(Drain.newBuilder().setReason("drain acknowledged")).build());
    log.info("Node '{}' is draining: no new calls are routed to it", node.nodeId);
  }

  /**
   * Asks a node to drain for good: no new calls go to it, and it disconnects once its calls
   * finish (within {@code graceMillis}, 0 = the node's default).
   *
   * @return the calls still running on it, or -1 when no such node is connected
   */
  public int drainNode(String nodeId, long graceMillis) {
    NodeSession node;
    int running;
    lock.lock();
    try {
      node = nodes.get(nodeId);
      if (node == null) {
        return -1;
      }
      node.draining = true;
      running = node.inFlight;
    } finally {
      lock.unlock();
    }
    log.info("Draining node '{}' on request ({} call(s) running)", nodeId, running);
    node.send(GatewayFrame.newBuilder().setDrain(Drain.newBuilder()
        .setReason("drain requested at the gateway").setGraceMs(graceMillis).setReconnect(false)).build());
    return running;
  }

  /** The node's stream ended: it stops receiving calls at once and its in-flight calls fail with NODE_LOST. */
  public void onNodeGone(NodeSession session, String reason) {
    lock.lock();
    try {
      if (session.removed) {
        return;
      }
      if (nodes.get(session.nodeId) == session) {
        nodes.remove(session.nodeId);
        owners.nodeIdLeft(session.nodeId, session.principal, System.nanoTime());
      }
      detach(session);
    } finally {
      lock.unlock();
    }
    log.info("Node '{}' disconnected: {}", session.nodeId, reason);
    failCalls(session, reason);
    session.closeStream();
  }

  /** Releases the hold on a function name or node id whose owner disconnected; true when one was held. */
  public boolean release(String name) {
    lock.lock();
    try {
      boolean released = owners.release(name) > 0;
      if (released) {
        log.info("Released '{}': it is no longer held for its disconnected owner", name);
      }
      return released;
    } finally {
      lock.unlock();
    }
  }

  /** Whether {@code owner}'s only node offering {@code function} is {@code previous} (the session a reconnect replaces). */
  private boolean onlyServedBy(NodeSession previous, String function, String owner) {
    if (previous == null || previous.removed || !java.util.Objects.equals(previous.principal, owner)
        || !previous.functions.containsKey(function)) {
      return false;
    }
    for (NodeSession other : byFunction.getOrDefault(function, List.of())) {
      if (other != previous && java.util.Objects.equals(other.principal, owner)) {
        return false;
      }
    }
    return true;
  }

  /** Under the lock: takes the session out of routing; its calls are collected by {@link #failCalls}. */
  private void detach(NodeSession session) {
    session.removed = true;
    for (String function : session.functions.keySet()) {
      List<NodeSession> offering = byFunction.get(function);
      if (offering != null && offering.remove(session)) {
        owners.remove(function, session.principal, System.nanoTime());
        if (offering.isEmpty()) {
          byFunction.remove(function);
        }
      }
    }
  }

  /**
   * The session's calls lost their node. A call that may safely run again (the function is
   * idempotent, or the caller allowed it), has attempts and deadline left, has streamed nothing
   * yet, and fits the retry budget goes back to routing; it waits in the queue if no node offers
   * the function right now. Every other call fails with NODE_LOST.
   */
  private void failCalls(NodeSession session, String reason) {
    List<PendingCall> lost = new ArrayList<>();
    int movedOn = 0;
    lock.lock();
    try {
      long now = System.nanoTime();
      for (PendingCall call : session.calls.values()) {
        releaseInFlight();
        if (call.node != session) {
          continue; // moved on to another node when this one fell silent
        }
        if (call.state == PendingCall.State.DISPATCHED && mayFailOver(call, session, now)) {
          call.state = PendingCall.State.QUEUED;
          call.node = null;
          if (requeue(call)) {
            movedOn++;
            continue;
          }
        }
        call.state = PendingCall.State.DONE;
        lost.add(call);
      }
      session.calls.clear();
      session.inFlight = 0;
    } finally {
      lock.unlock();
    }
    if (movedOn > 0) {
      log.info("{} call(s) of node '{}' moved to other nodes after it was lost", movedOn, session.nodeId);
    }
    for (PendingCall call : lost) {
      call.fail(Errors.nodeLost(session.nodeId, call.function(), call.id, reason));
    }
  }

  private boolean mayFailOver(PendingCall call, NodeSession lostNode, long now) {
    FunctionSpec spec = lostNode.functions.get(call.function());
    boolean safe = call.request.retryNonIdempotent() || (spec != null && spec.getIdempotent());
    return safe
        && call.request.pinnedNode() == null
        && call.attempts < Math.max(1, call.request.maxAttempts())
        && call.items == 0
        && call.request.deadlineNanos() - now > 0
        && !closing
        && retryBudget.tryRetry(now);
  }

  /** Under the lock: routes a lost call again; when no node offers its function now, it waits in the queue. */
  private boolean requeue(PendingCall call) {
    if (route(call) == null) {
      return true;
    }
    return queues.offer(call);
  }

  // ------------------------------------------------------------------ status and lifecycle

  /** Runs {@code reader} under the lock over a consistent view of the routing state. */
  public <T> T read(java.util.function.Function<View, T> reader) {
    lock.lock();
    try {
      return reader.apply(new View());
    } finally {
      lock.unlock();
    }
  }

  /** A read-only view of the routing state, valid only inside {@link #read}. */
  public final class View {
    private View() {}

    /** Connected nodes in registration order. */
    public java.util.Collection<NodeSession> nodes() {
      return nodes.values();
    }

    /** Names of all registered functions mapped to the nodes offering each. */
    public Map<String, List<NodeSession>> functions() {
      return byFunction;
    }

    /** Calls waiting for {@code function}. */
    public int queued(String function) {
      return queues.size(function);
    }
  }

  /** Calls dispatched to nodes and not yet answered (including abandoned ones still running). */
  public int inFlight() {
    lock.lock();
    try {
      return inFlight;
    } finally {
      lock.unlock();
    }
  }

  /** Calls waiting in queues. */
  public int queued() {
    lock.lock();
    try {
      return queues.size();
    } finally {
      lock.unlock();
    }
  }

  /** Stream items held by front ends for callers that are not ready yet; front ends keep it up to date. */
  public java.util.concurrent.atomic.AtomicInteger bufferedStreamItems() {
    return bufferedStreamItems;
  }

  /** Results that arrived for calls the node was not running (late, duplicate or forged). */
  public long unknownResults() {
    return unknownResults.get();
  }

  /**
   * Stops taking calls, fails queued ones with UNAVAILABLE (never reached a node), waits up to
   * {@code drainTimeout} for in-flight calls, then closes every node stream.
   */
  public void shutdown(Duration drainTimeout) {
    List<PendingCall> waiting = new ArrayList<>();
    List<NodeSession> sessions;
    lock.lock();
    try {
      closing = true;
      waiting.addAll(queues.drainAll());
      for (PendingCall call : waiting) {
        call.state = PendingCall.State.DONE;
      }
    } finally {
      lock.unlock();
    }
    for (PendingCall call : waiting) {
      call.fail(Errors.of(ErrorCode.UNAVAILABLE, "The gateway shut down before '" + call.function() + "' reached a node; retry."));
    }
    GatewayFrame goingAway = GatewayFrame.newBuilder().setDrain(Drain.newBuilder()
        .setReason("the gateway is shutting down").setGraceMs(drainTimeout.toMillis()).setReconnect(true)).build();
    for (NodeSession node : read(view -> new ArrayList<>(view.nodes()))) {
      node.send(goingAway);
    }
    lock.lock();
    try {
      long remaining = drainTimeout.toNanos();
      while (inFlight > 0 && remaining > 0) {
        remaining = idle.awaitNanos(remaining);
      }
      sessions = new ArrayList<>(nodes.values());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      sessions = new ArrayList<>(nodes.values());
    } finally {
      lock.unlock();
    }
    for (NodeSession session : sessions) {
      onNodeGone(session, "the gateway shut down");
    }
    timer.shutdownNow();
  }
}
