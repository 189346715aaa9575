package io.easyremote.gateway.internal.core;

import com.google.errorprone.annotations.concurrent.GuardedBy;
import io.easyremote.gateway.internal.balance.Candidate;
import io.easyremote.protocol.NodeResources;
import io.easyremote.protocol.internal.Wire;
import io.easyremote.protocol.wire.FunctionSpec;
import io.easyremote.protocol.wire.GatewayFrame;
import io.easyremote.protocol.wire.Hello;
import io.grpc.stub.StreamObserver;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.locks.ReentrantLock;

/**
 * One connected node: what it declared in its Hello, its outbound frame stream, and its routing
 * state. The routing state is guarded by the routing lock the core gave it: every accessor takes
 * that lock (it is reentrant, so a routing step that holds it pays almost nothing), and the
 * compiler checks the rule through {@link GuardedBy}.
 *
 * <p>Frames to the node go through its {@link NodeLink}: queued in order under the routing lock,
 * written after it is released.
 */
public final class NodeSession implements Candidate {
  /** Health states, as reported in NodeInfo. */
  enum State { HEALTHY, WARMING, SUSPECT, EJECTED, DRAINING }

  final String nodeId;
  final String sessionId;
  final int maxConcurrency;
  final Map<String, String> labels;
  final double cost;
  final String version;
  final Map<String, FunctionSpec> functions;
  /** The name of the token the node registered with, or null on an open gateway. */
  final String principal;
  final long connectedAtMillis;

  private final Clock clock;
  private final ReentrantLock routing;
  private final NodeLink link;
  private final NodeStats stats;
  private final NodeLiveness liveness;

  @GuardedBy("routing")
  private final Map<Long, PendingCall> calls = new HashMap<>();
  @GuardedBy("routing")
  private boolean removed;
  @GuardedBy("routing")
  private boolean draining;
  private final long startedNanos;
  private final long warmupNanos;

  private volatile NodeResources resources;
  NodeSession(String sessionId, Hello hello, String principal, StreamObserver<GatewayFrame> out, long warmupNanos,
      ReentrantLock routing, Clock clock) {
    this.clock = clock;
    this.routing = routing;
    this.warmupNanos = warmupNanos;
    this.startedNanos = clock.nanoTime();
    this.connectedAtMillis = clock.millis();
    this.nodeId = hello.getNodeId();
    this.sessionId = sessionId;
    this.principal = principal;
    this.maxConcurrency = hello.getMaxConcurrency();
    this.labels = Map.copyOf(hello.getLabelsMap());
    this.cost = hello.getCost();
    this.version = hello.getVersion();
    Map<String, FunctionSpec> fns = new LinkedHashMap<>();
    for (FunctionSpec spec : hello.getFunctionsList()) {
      fns.put(spec.getName(), spec);
    }
    this.functions = Map.copyOf(fns);
    this.resources = Wire.fromWire(hello.getResources());
    this.link = new NodeLink(nodeId, out, hello.getBatches(), hello.getParts());
    this.stats = new NodeStats(routing);
    this.liveness = new NodeLiveness(routing, clock);
  }

  /** The node's id. */
  public String nodeId() {
    return nodeId;
  }

  // ---------------------------------------------------------------- liveness

  /** Whether it is heard from, and the state of a spell of silence. */
  NodeLiveness liveness() {
    return liveness;
  }

  /** When the gateway last heard a heartbeat from it. */
  long lastHeartbeatMillis() {
    return liveness.lastHeartbeatMillis();
  }

  /** The event loop of this node's stream: it reads the stream, and from now on writes it too. */
  public void readBy(ScheduledExecutorService eventLoop) {
    liveness.readBy(eventLoop);
    link.writeOn(eventLoop);
  }

  /** A frame arrived from the node: it is alive, whatever its heartbeats say. */
  public void heard() {
    liveness.heard();
  }

  /** Records a heartbeat and the resources it reported. */
  public void heartbeat(NodeResources resources) {
    this.resources = resources;
    liveness.heartbeat();
  }

  /** Function names in declaration order. */
  List<String> functionNames() {
    return List.copyOf(functions.keySet());
  }

  // ---------------------------------------------------------------- routing state

  /** Whether it may take {@code call} now: a free slot, healthy (ejected only if allowed), not already holding it. */
  boolean canTake(PendingCall call, long nowNanos, boolean allowEjected) {
    routing.lock();
    try {
      return calls.size() < maxConcurrency && acceptsLocked(nowNanos, allowEjected) && !calls.containsKey(call.id);
    } finally {
      routing.unlock();
    }
  }

  /** Whether it holds a call with this id (a call id is never sent twice to one node). */
  public boolean holds(long callId) {
    routing.lock();
    try {
      return calls.containsKey(callId);
    } finally {
      routing.unlock();
    }
  }

  boolean hasFreeSlot() {
    routing.lock();
    try {
      return calls.size() < maxConcurrency;
    } finally {
      routing.unlock();
    }
  }

  /** Whether it may be sent new calls at all: connected, heard from, not draining. */
  boolean open() {
    routing.lock();
    try {
      return !removed && !liveness.suspect() && !draining;
    } finally {
      routing.unlock();
    }
  }

  /** Open and not ejected: counts as a real alternative for a call. */
  boolean healthy(long nowNanos) {
    routing.lock();
    try {
      return acceptsLocked(nowNanos, false);
    } finally {
      routing.unlock();
    }
  }

  @GuardedBy("routing")
  private boolean acceptsLocked(long nowNanos, boolean allowEjected) {
    return !removed && !liveness.suspect() && !draining && (allowEjected || !stats.isEjected(nowNanos));
  }

  /** Its service record and ejection. */
  NodeStats stats() {
    return stats;
  }

  /** Takes a slot for the call. */
  void start(PendingCall call) {
    routing.lock();
    try {
      calls.put(call.id, call);
    } finally {
      routing.unlock();
    }
  }

  /** Frees the call's slot; the call, or null when it held none with this id. */
  PendingCall end(long callId) {
    routing.lock();
    try {
      return calls.remove(callId);
    } finally {
      routing.unlock();
    }
  }

  /** The call it holds with this id, or null. */
  PendingCall running(long callId) {
    routing.lock();
    try {
      return calls.get(callId);
    } finally {
      routing.unlock();
    }
  }

  /** A snapshot of the calls holding its slots. */
  List<PendingCall> calls() {
    routing.lock();
    try {
      return new ArrayList<>(calls.values());
    } finally {
      routing.unlock();
    }
  }

  /** Frees every slot; the calls that held them. */
  List<PendingCall> endAll() {
    routing.lock();
    try {
      List<PendingCall> all = new ArrayList<>(calls.values());
      calls.clear();
      return all;
    } finally {
      routing.unlock();
    }
  }

  boolean removed() {
    routing.lock();
    try {
      return removed;
    } finally {
      routing.unlock();
    }
  }

  /** Taken out of routing for good (disconnected or replaced). */
  void markRemoved() {
    routing.lock();
    try {
      removed = true;
    } finally {
      routing.unlock();
    }
  }

  boolean draining() {
    routing.lock();
    try {
      return draining;
    } finally {
      routing.unlock();
    }
  }

  void markDraining() {
    routing.lock();
    try {
      draining = true;
    } finally {
      routing.unlock();
    }
  }

  State state(long nowNanos) {
    routing.lock();
    try {
      if (draining) {
        return State.DRAINING;
      }
      if (liveness.suspect()) {
        return State.SUSPECT;
      }
      if (stats.isEjected(nowNanos)) {
        return State.EJECTED;
      }
    } finally {
      routing.unlock();
    }
    return weight(nowNanos) < 1 ? State.WARMING : State.HEALTHY;
  }

  // ---------------------------------------------------------------- Candidate

  /** The name of the token the node registered with, or null on an open gateway. */
  public String principal() {
    return principal;
  }

  /** The spec of {@code function} as this node declared it, or null when it does not offer it. */
  public FunctionSpec function(String function) {
    return functions.get(function);
  }

  @Override
  public String id() {
    return nodeId;
  }

  @Override
  public int inFlight() {
    routing.lock();
    try {
      return calls.size();
    } finally {
      routing.unlock();
    }
  }

  @Override
  public int capacity() {
    return maxConcurrency;
  }

  @Override
  public double latencyMillis(long nowNanos) {
    return stats.latencyMillis(nowNanos);
  }

  @Override
  public void passedOver() {
    stats.passedOver();
  }

  @Override
  public double errorRate() {
    return stats.errorRate();
  }

  @Override
  public double cost() {
    return cost;
  }

  @Override
  public NodeResources resources() {
    return resources;
  }

  @Override
  public double weight(long nowNanos) {
    if (warmupNanos <= 0) {
      return 1;
    }
    double ramp = (nowNanos - startedNanos) / (double) warmupNanos;
    return ramp >= 1 ? 1 : Math.max(0.1, ramp);
  }

  // ---------------------------------------------------------------- outbound frames

  /** Queues a frame in order; the next {@link #flush()} writes it. Cheap: safe under the routing lock. */
  void enqueue(GatewayFrame frame) {
    link.enqueue(frame);
  }

  /** Writes the queued frames. Never while holding the routing lock: writing serializes them. */
  void flush() {
    link.flush();
  }

  /** Sends a frame after every frame queued before it. */
  public void send(GatewayFrame frame) {
    link.enqueue(frame);
    link.flush();
  }

  /** The outbound stream can take more: parts of large payloads that wait go on. Called by the transport. */
  public void writable() {
    link.writable();
  }

  /** Writes what is queued, then completes the outbound stream (idempotent). */
  public void closeStream() {
    link.close();
  }

  @Override
  public String toString() {
    return "node " + nodeId + " (session " + sessionId + ")";
  }
}
