package io.easyremote.gateway.internal.core;

import io.easyremote.protocol.ErrorCode;
import io.easyremote.protocol.Version;
import io.easyremote.protocol.internal.Wire;
import io.easyremote.protocol.wire.Drain;
import io.easyremote.protocol.wire.Error;
import io.easyremote.protocol.wire.GatewayFrame;
import io.easyremote.protocol.wire.Heartbeat;
import io.easyremote.protocol.wire.Hello;
import io.easyremote.protocol.wire.Result;
import io.easyremote.protocol.wire.StreamEnd;
import io.easyremote.protocol.wire.StreamItem;
import io.easyremote.protocol.wire.Welcome;
import io.grpc.stub.StreamObserver;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The gateway's core, as every front end sees it: a facade over the parts that do the work.
 *
 * <ul>
 *   <li>{@link RoutingTable}: connected nodes, what they offer, who owns which names;
 *   <li>{@link Dispatcher}: routing a call (with {@link NodePicker}), queues, slots, abandoning;
 *   <li>{@link StreamRelay}: stream items and credits;
 *   <li>{@link HealthMonitor} and {@link NodeLoss}: silence, suspicion, failover;
 *   <li>{@link IdempotencyCache}: repeats of an idempotency key follow the first call;
 *   <li>{@link AdmissionStep}: the optional gate before routing (the credits reservation).
 * </ul>
 *
 * <p>Concurrency: one reentrant routing lock guards all routing state (the parts' own fields and
 * the routing fields of {@link NodeSession} and {@link PendingCall}, each marked {@code
 * @GuardedBy} and checked at compile time). It is held only for short, non-blocking steps; frames
 * for nodes are queued in order under it and written after it is released; callers' sinks are
 * completed outside it. Time and timers come from a {@link Clock}, so each part runs under a fake
 * clock in unit tests.
 */
public final class CallScheduler {
  private static final Logger log = LoggerFactory.getLogger(CallScheduler.class);

  private final SchedulerSettings settings;
  private final CallListener listener;
  private final Clock clock;
  private final boolean ownsClock;
  private final ReentrantLock lock = new ReentrantLock();
  private final RoutingTable table;
  private final Dispatcher dispatcher;
  private final StreamRelay streams;
  private final NodeLoss loss;
  private final HealthMonitor health;
  private final IdempotencyCache idempotency = new IdempotencyCache(IdempotencyCache.Limits.DEFAULT);
  private final AtomicLong callIds = new AtomicLong();
  private final AtomicInteger bufferedStreamItems = new AtomicInteger();
  private final AdmissionStep admission;
  private volatile Runnable membershipListener = () -> {};

  /** A scheduler on the system clock, with its own timer thread. */
  public CallScheduler(SchedulerSettings settings, CallListener listener) {
    this(settings, listener, new SystemClock("easyremote-gateway-timer"), true);
  }

  /** A scheduler on the given clock (tests: a fake one). */
  CallScheduler(SchedulerSettings settings, CallListener listener, Clock clock) {
    this(settings, listener, clock, false);
  }

  private CallScheduler(SchedulerSettings settings, CallListener listener, Clock clock, boolean ownsClock) {
    this.settings = settings;
    this.listener = listener;
    this.clock = clock;
    this.ownsClock = ownsClock;
    this.table = new LocalRoutingTable(lock, settings.ownershipHold().toNanos());
    this.dispatcher = new Dispatcher(lock, table, settings, clock);
    this.streams = new StreamRelay(lock, dispatcher, settings.maxPayloadBytes());
    this.loss = new NodeLoss(lock, dispatcher);
    this.admission = new AdmissionStep(lock, dispatcher, this::scheduleDeadline);
    this.health = new HealthMonitor(lock, settings, table, dispatcher, loss, clock, this::onNodeGone);
    clock.repeat(health::check, health.checkEveryMillis * 1_000_000);
  }

  /**
   * Starts the registration grace: call it once the gateway listens, since nodes can reconnect only
   * from then on. A slow start (class loading, TLS set-up) must not eat the time nodes are given.
   */
  public void startRegistrationGrace() {
    if (!settings.registrationGrace().isZero()) {
      dispatcher.startGrace();
      clock.schedule(dispatcher::endGrace, settings.registrationGrace().toNanos());
    }
  }

  // ------------------------------------------------------------------ calls

  /**
   * Routes a call: dispatches it to a node with a free slot, queues it, or fails it at once.
   * Always returns the call; its sink is completed exactly once, possibly before this returns.
   */
  public PendingCall submit(CallRequestSpec request, CallSink sink) {
    PendingCall call = new PendingCall(callIds.incrementAndGet(), request, sink, listener, lock, clock);
    Error early = CallChecks.problem(request, settings.maxPayloadBytes(), clock.nanoTime());
    if (early == null) {
      early = request.grant().authorize(request.function()); // before any lookup: an error never tells what exists
    }
    if (early != null) {
      call.fail(early);
      return call;
    }
    String key = request.idempotencyKey();
    if (key != null && !request.stream() && dispatcher.forwarding().toKeyHome(call)) {
      scheduleDeadline(call); // in a cluster the key's home gateway keeps its outcome (docs/cluster.md)
      dispatcher.flush();
      return call;
    }
    if (key != null && !request.stream()) {
      PendingCall follower = call;
      follower.follow();
      IdempotencyCache.Decision decision = idempotency.leadOrFollow(request.grant().idempotencyScope(), request.function(), key,
          request.payload(), sink, follower.asSink());
      if (decision.refusal() != null) {
        follower.state(PendingCall.State.DONE);
        follower.fail(decision.refusal());
        return follower;
      }
      if (decision.lead() == null) {
        scheduleDeadline(follower);
        return follower;
      }
      call = follower.withSink(decision.lead());
    }
    if (admission.deferred(call)) {
      return call; // routed, or refused, when its gate answers
    }
    Error error = dispatcher.submit(call);
    if (error == null) {
      scheduleDeadline(call);
    }
    dispatcher.flush();
    if (error != null) {
      call.fail(error);
    }
    return call;
  }

  /**
   * Sets the gate every routed call passes first (the credits reservation); null for none (the
   * default). Set before the gateway serves calls.
   */
  public void admission(CallAdmission gate) {
    admission.gate(gate);
    dispatcher.forwarding().paidCalls(gate != null);
  }

  /**
   * Forwards calls no local node can take to other gateways of a cluster (null: none, the
   * default). Set before the gateway serves calls.
   */
  public void remoteGateways(RemoteGateways gateways) {
    dispatcher.forwarding().remote(gateways);
  }

  /**
   * In a cluster, a call that finds every local node offering its function busy, with at least
   * {@code queuedCalls} calls of it already waiting here, is forwarded to a gateway whose nodes
   * report free capacity instead of waiting (negative: never, the default). Not on a gateway whose
   * calls pass a credits gate: they are reserved here and stay here.
   */
  public void forwardWhenQueued(int queuedCalls) {
    dispatcher.forwarding().forwardWhenQueued(queuedCalls);
  }

  /**
   * Drains {@code nodeId} here when this gateway holds it, otherwise on the gateway of the cluster
   * that does ({@link RemoteGateways#drain}): the node's calls in flight, or -1 when nobody holds it.
   */
  public java.util.concurrent.CompletableFuture<Integer> drainAnywhere(String nodeId, int graceMs, CallGrant grant) {
    int running = drainNode(nodeId, graceMs);
    RemoteGateways remote = dispatcher.forwarding().remote();
    if (running >= 0 || remote == null) {
      return java.util.concurrent.CompletableFuture.completedFuture(running);
    }
    return remote.drain(nodeId, graceMs, grant);
  }

  /** Calls forwarded so far because every local node offering their function was busy. */
  public long busyForwards() {
    return dispatcher.forwarding().busyForwards();
  }

  /**
   * Runs {@code listener} (quick, non-blocking) after a node registers, drains or leaves: the
   * cluster directory republishes the local nodes. Set before the gateway serves nodes.
   */
  public void onMembershipChange(Runnable listener) {
    this.membershipListener = java.util.Objects.requireNonNull(listener, "listener");
  }

  private void scheduleDeadline(PendingCall call) {
    call.deadlineTimer(clock.schedule(() -> expire(call), call.request.deadlineNanos() - clock.nanoTime()));
  }

  /** The caller went away: forget a queued call, or cancel a running one on its node. */
  public void cancel(PendingCall call, ErrorCode code, String reason) {
    if (call.request.idempotencyKey() != null && call.state() != PendingCall.State.FOLLOWING) {
      return; // keep running: a repeat with the same key will want the outcome
    }
    Error error = dispatcher.abandon(call, code, reason);
    dispatcher.flush();
    if (error != null) {
      call.fail(error);
    }
  }

  private void expire(PendingCall call) {
    Error error = dispatcher.abandon(call, ErrorCode.DEADLINE_EXCEEDED, null);
    dispatcher.flush();
    if (error != null) {
      call.fail(error);
    } else {
      call.deadlinePassed(); // it completed: a result still held for its charge is withheld
    }
  }

  /** A node answered a call. Results for calls the node was never sent are ignored and counted. */
  public void onResult(NodeSession node, Result result) {
    PendingCall call = dispatcher.finish(node, result.getCallId(), result.hasError() ? result.getError() : null);
    dispatcher.flush();
    if (call == null) {
      return; // unknown, or already answered with a deadline or cancellation
    }
    if (result.hasError()) {
      Error error = result.getError();
      boolean refused = Wire.fromWire(error.getCode()) == ErrorCode.OVERLOADED; // the node did not run it
      call.fail(error.getNodeId().isEmpty() ? error.toBuilder().setNodeId(node.nodeId).setReachedNode(!refused).build() : error);
    } else if (result.getPayload().getData().size() > settings.maxPayloadBytes()) {
      call.fail(tooLarge(call, node, result.getPayload().getData().size()));
    } else {
      call.succeed(result.getPayload(), node.nodeId);
    }
  }

  /**
   * A node announced a result of {@code bytes} in parts that is over the gateway's payload limit:
   * the call fails with PAYLOAD_TOO_LARGE at once, and the parts that follow are ignored.
   */
  public void onResultTooLarge(NodeSession node, long callId, long bytes) {
    PendingCall call = dispatcher.finish(node, callId, null);
    dispatcher.flush();
    if (call != null) {
      call.fail(tooLarge(call, node, bytes));
    }
  }

  /** The largest payload, in bytes, that a call or a result may carry through this gateway. */
  public long maxPayloadBytes() {
    return settings.maxPayloadBytes();
  }

  private Error tooLarge(PendingCall call, NodeSession node, long bytes) {
    return Error.newBuilder().setCode(Wire.toWire(ErrorCode.PAYLOAD_TOO_LARGE)).setReachedNode(true).setNodeId(node.nodeId)
        .setMessage("The result of '" + call.function() + "' is " + Errors.bytes(bytes) + "; the gateway accepts at most "
            + Errors.bytes(settings.maxPayloadBytes()) + ".").build();
  }

  /** A streaming call's next item. Items beyond the caller's credits, or for unknown calls, are refused. */
  public void onStreamItem(NodeSession node, StreamItem item) {
    streams.onItem(node, item);
  }

  /** A streaming call ended on its node, normally or with an error. */
  public void onStreamEnd(NodeSession node, StreamEnd end) {
    streams.onEnd(node, end);
  }

  /** The caller of a stream is ready for {@code n} more items: forwarded to the node, or kept for dispatch. */
  public void credit(PendingCall call, int n) {
    streams.credit(call, n);
  }

  // ------------------------------------------------------------------ nodes

  /**
   * Registers a node on an open gateway (no principal, no ownership), replacing a stale session
   * with the same id, and sends Welcome.
   *
   * @throws RegistrationException if the Hello is not acceptable
   */
  public NodeSession register(Hello hello, StreamObserver<GatewayFrame> out) throws RegistrationException {
    return register(hello, out, null, (function, owner, newcomer) -> true);
  }

  /**
   * Registers a node admitted under {@code principal} (its token's name, or null on an open
   * gateway) and sends Welcome; queued calls it can serve are dispatched right after. A function
   * already served under another principal is refused unless {@code sharing} allows it: no node
   * can take over another owner's function names.
   *
   * @throws RegistrationException if the Hello is not acceptable or a name belongs to someone else
   */
  public NodeSession register(Hello hello, StreamObserver<GatewayFrame> out, String principal, RoutingTable.Sharing sharing)
      throws RegistrationException {
    HelloChecks.check(hello, settings.maxFunctionsPerNode());
    NodeSession session = new NodeSession(UUID.randomUUID().toString(), hello, principal, out, settings.warmup().toNanos(), lock, clock);
    NodeSession replaced;
    lock.lock();
    try {
      if (dispatcher.closing()) {
        throw new RegistrationException(ErrorCode.UNAVAILABLE, "The gateway is shutting down.");
      }
      replaced = table.add(session, sharing, clock.nanoTime());
      dispatcher.enqueue(session, GatewayFrame.newBuilder().setWelcome(Welcome.newBuilder()
          .setSessionId(session.sessionId)
          .setHeartbeatIntervalMs((int) settings.heartbeatInterval().toMillis())
          .setGatewayVersion(Version.CURRENT)
          .setMaxPayloadBytes(settings.maxPayloadBytes())
          .setBatches(true)
          .setParts(true)).build());
      dispatcher.fillSlots(session);
    } finally {
      lock.unlock();
    }
    dispatcher.flush();
    if (replaced != null) {
      log.info("Node '{}' reconnected; replacing its previous session", session.nodeId);
      loss.lost(replaced, "it reconnected with a new session");
      replaced.closeStream();
    }
    log.info("Node '{}' registered {} function(s): {}", session.nodeId, session.functions.size(), session.functions.keySet());
    membershipListener.run();
    return session;
  }

  /** A heartbeat arrived: fresh resources (when they are sane), and a suspect node is trusted again. */
  public void onHeartbeat(NodeSession node, Heartbeat heartbeat) {
    health.onHeartbeat(node, heartbeat);
  }

  /** The node announced a drain: no new calls go to it; its running calls finish, then it closes its stream. */
  public void onNodeDraining(NodeSession node) {
    node.markDraining();
    // The acknowledgement: frames are ordered, so the node knows no Invoke can follow this one.
    node.send(GatewayFrame.newBuilder().setDrain(Drain.newBuilder().setReason("drain acknowledged")).build());
    log.info("Node '{}' is draining: no new calls are routed to it", node.nodeId);
    membershipListener.run();
  }

  /**
   * Asks a node to drain for good: no new calls go to it, and it disconnects once its calls
   * finish (within {@code graceMillis}, 0 = the node's default).
   *
   * @return the calls still running on it, or -1 when no such node is connected
   */
  public int drainNode(String nodeId, long graceMillis) {
    NodeSession node = table.node(nodeId);
    if (node == null) {
      return -1;
    }
    node.markDraining();
    int running = node.inFlight();
    log.info("Draining node '{}' on request ({} call(s) running)", nodeId, running);
    membershipListener.run();
    node.send(GatewayFrame.newBuilder().setDrain(Drain.newBuilder()
        .setReason("drain requested at the gateway").setGraceMs(graceMillis).setReconnect(false)).build());
    return running;
  }

  /** The node's stream ended: it stops receiving calls at once and its in-flight calls move on or fail with NODE_LOST. */
  public void onNodeGone(NodeSession session, String reason) {
    lock.lock();
    try {
      if (!table.remove(session, clock.nanoTime())) {
        return;
      }
      dispatcher.nodeLost(session); // in the same step: no call sees its functions gone without waiting for them
    } finally {
      lock.unlock();
    }
    log.info("Node '{}' disconnected: {}", session.nodeId, reason);
    loss.lost(session, reason);
    session.closeStream();
    membershipListener.run();
  }

  /** Releases the hold on a function name or node id whose owner disconnected; true when one was held. */
  public boolean release(String name) {
    return table.release(name);
  }

  // ------------------------------------------------------------------ status and lifecycle

  /**
   * Whether a call like {@code request} would wait here for a node to come (the start-up grace
   * after a restart, or its function's nodes lost a moment ago) rather than be routed, forwarded
   * or refused now: what a gate that needs the function's price waits out.
   */
  public boolean waitsForANode(CallRequestSpec request) {
    return dispatcher.waitsForANode(request);
  }

  /** Runs {@code reader} under the routing lock over a consistent view of the routing state. */
  public <T> T read(Function<RoutingView, T> reader) {
    lock.lock();
    try {
      return reader.apply(new RoutingView(table, dispatcher));
    } finally {
      lock.unlock();
    }
  }

  /** Calls dispatched to nodes and not yet answered (including abandoned ones still running). */
  public int inFlight() {
    return dispatcher.inFlight();
  }

  /** Calls waiting in queues, or for the admission gate's answer (the credits gate: a balance reread, a price not known yet). */
  public int queued() {
    return dispatcher.queued(null) + admission.waiting();
  }

  /** Stream items held by front ends for callers that are not ready yet; front ends keep it up to date. */
  public AtomicInteger bufferedStreamItems() {
    return bufferedStreamItems;
  }

  /** Final frames and stream items that arrived for calls their node was not running (late, duplicate or forged). */
  public long ignoredFrames() {
    return dispatcher.ignoredFrames();
  }

  /**
   * Stops taking calls, fails queued ones with UNAVAILABLE (never reached a node), waits up to
   * {@code drainTimeout} for in-flight calls, then closes every node stream.
   */
  public void shutdown(Duration drainTimeout) {
    for (PendingCall call : dispatcher.close()) {
      call.fail(Errors.shutDownBeforeANode(call.function()));
    }
    admission.close();
    GatewayFrame goingAway = GatewayFrame.newBuilder().setDrain(Drain.newBuilder()
        .setReason("the gateway is shutting down").setGraceMs(drainTimeout.toMillis()).setReconnect(true)).build();
    for (NodeSession node : read(view -> new ArrayList<>(view.nodes()))) {
      node.send(goingAway);
    }
    try {
      dispatcher.awaitIdle(drainTimeout.toNanos());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    for (NodeSession session : read(view -> new ArrayList<>(view.nodes()))) {
      onNodeGone(session, "the gateway shut down");
    }
    if (ownsClock && clock instanceof SystemClock system) {
      system.close();
    }
  }
}
