package io.easyremote.gateway.internal.core;

import io.easyremote.gateway.internal.balance.Candidate;
import io.easyremote.gateway.internal.balance.LatencyEstimator;
import io.easyremote.protocol.NodeResources;
import io.easyremote.protocol.internal.Wire;
import io.easyremote.protocol.wire.FunctionSpec;
import io.easyremote.protocol.wire.GatewayFrame;
import io.easyremote.protocol.wire.Hello;
import io.grpc.stub.StreamObserver;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.locks.ReentrantLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One connected node: what it declared in its Hello, its outbound frame stream, and its routing
 * state. Fields marked "scheduler lock" are only touched while holding {@link CallScheduler}'s
 * lock; writes to the stream are serialised here because a {@link StreamObserver} is not
 * thread-safe.
 */
public final class NodeSession implements Candidate {
  /** Health states, as reported in NodeInfo. */
  enum State { HEALTHY, WARMING, SUSPECT, EJECTED, DRAINING }

  private static final double ERROR_RATE_WEIGHT = 0.1;
  private static final long MAX_EJECTION_NANOS = 30_000_000_000L;

  private static final Logger log = LoggerFactory.getLogger(NodeSession.class);

  final String nodeId;
  final String sessionId;
  final int maxConcurrency;
  final Map<String, String> labels;
  final double cost;
  final String version;
  final Map<String, FunctionSpec> functions;
  final long connectedAtMillis = System.currentTimeMillis();

  private final StreamObserver<GatewayFrame> out;
  private final ReentrantLock sendLock = new ReentrantLock();
  private boolean outClosed;

  /** The name of the token the node registered with, or null on an open gateway. */
  String principal;

  // Scheduler lock.
  int inFlight;
  final Map<Long, PendingCall> calls = new HashMap<>();
  boolean removed;
  boolean suspect;
  /** Whether, in this spell of silence, the calls it was running that may run again were moved on. */
  boolean callsMoved;
  /** Whether, in this spell of silence, the rest of its calls were failed. */
  boolean callsFailedOver;
  boolean draining;
  long callsServed;
  long callsFailed;
  double errorRate;
  int consecutiveFailures;
  int ejections;
  long ejectedUntilNanos;
  final LatencyEstimator latency = new LatencyEstimator(PENALTY_MILLIS);
  private final long startedNanos = System.nanoTime();
  private final long warmupNanos;

  volatile NodeResources resources;
  volatile long lastHeartbeatMillis = System.currentTimeMillis();
  /** When any frame last arrived from the node: what health checks go by. */
  private volatile long lastHeardMillis = System.currentTimeMillis();
  /** Scheduler lock: when the gateway last pinged the silent node (0 = never). */
  long pingedAtMillis;
  /** The event loop that reads this node's frames, when known: probed to tell a slow gateway from a silent node. */
  private volatile java.util.concurrent.Executor loop;
  /** When the node's event loop last ran a probe: frames that had arrived by then were read. */
  private volatile long loopAnsweredMillis;

  /** The latency a failed call counts as, at least: a node that fails fast must not look fast. */
  static final double PENALTY_MILLIS = 1000;

  NodeSession(String sessionId, Hello hello, StreamObserver<GatewayFrame> out, long warmupNanos) {
    this.warmupNanos = warmupNanos;
    this.nodeId = hello.getNodeId();
    this.sessionId = sessionId;
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
    this.out = out;
  }

  /** The node's id. */
  public String nodeId() {
    return nodeId;
  }

  /** When the gateway last heard a heartbeat from it. */
  long lastHeartbeatMillis() {
    return lastHeartbeatMillis;
  }

  /** When the gateway last received any frame from it. */
  long lastHeardMillis() {
    return lastHeardMillis;
  }

  /** The event loop that reads this node's stream. */
  public void readBy(java.util.concurrent.Executor eventLoop) {
    this.loop = eventLoop;
  }

  /**
   * Asks the node's event loop to note when it gets to run: if it does while the node stays
   * silent, the silence is the node's, not a gateway too busy to read its frames.
   */
  void probeLoop() {
    java.util.concurrent.Executor l = loop;
    if (l == null) {
      loopAnsweredMillis = System.currentTimeMillis();
      return;
    }
    try {
      l.execute(() -> loopAnsweredMillis = System.currentTimeMillis());
    } catch (RuntimeException e) {
      loopAnsweredMillis = System.currentTimeMillis(); // the loop is gone: nothing more will be read
    }
  }

  /** Whether the event loop reading this node ran after {@code sinceMillis}. */
  boolean loopRanSince(long sinceMillis) {
    return loopAnsweredMillis >= sinceMillis;
  }

  /** A frame arrived from the node: it is alive, whatever its heartbeats say. */
  public void heard() {
    long now = System.currentTimeMillis();
    if (now != lastHeardMillis) { // a volatile read is cheaper than a write on every frame
      lastHeardMillis = now;
    }
  }

  /** Function names in declaration order. */
  List<String> functionNames() {
    return List.copyOf(functions.keySet());
  }

  boolean hasFreeSlot() {
    return inFlight < maxConcurrency;
  }

  boolean isEjected(long nowNanos) {
    return ejectedUntilNanos != 0 && nowNanos < ejectedUntilNanos;
  }

  /** Healthy enough for new calls; an ejected node only when {@code allowEjected} (every alternative is ejected too). */
  boolean accepts(long nowNanos, boolean allowEjected) {
    return !removed && !suspect && !draining && (allowEjected || !isEjected(nowNanos));
  }

  State state(long nowNanos) {
    if (draining) {
      return State.DRAINING;
    }
    if (suspect) {
      return State.SUSPECT;
    }
    if (isEjected(nowNanos)) {
      return State.EJECTED;
    }
    return weight(nowNanos) < 1 ? State.WARMING : State.HEALTHY;
  }

  /**
   * Records a finished call's latency and outcome. Returns true when this failure ejects the node.
   *
   * @param failed the node's fault: the function threw or the node failed internally
   */
  boolean recordOutcome(double millis, boolean failed, long nowNanos, int ejectAfter, long backoffNanos) {
    latency.observe(millis, failed, nowNanos);
    errorRate += ERROR_RATE_WEIGHT * ((failed ? 1 : 0) - errorRate);
    if (!failed) {
      consecutiveFailures = 0;
      return false;
    }
    consecutiveFailures++;
    if (ejectAfter > 0 && consecutiveFailures >= ejectAfter && !isEjected(nowNanos)) {
      long length = Math.min(MAX_EJECTION_NANOS, backoffNanos << Math.min(ejections, 10));
      ejections++;
      ejectedUntilNanos = nowNanos + length;
      consecutiveFailures = 0;
      return true;
    }
    return false;
  }

  // ---------------------------------------------------------------- Candidate

  @Override
  public String id() {
    return nodeId;
  }

  @Override
  public int inFlight() {
    return inFlight;
  }

  @Override
  public int capacity() {
    return maxConcurrency;
  }

  @Override
  public double latencyMillis(long nowNanos) {
    return latency.estimate(nowNanos);
  }

  @Override
  public double errorRate() {
    return errorRate;
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

  /** Records a heartbeat. */
  public void heartbeat(NodeResources resources) {
    this.resources = resources;
    this.lastHeartbeatMillis = System.currentTimeMillis();
    this.lastHeardMillis = lastHeartbeatMillis;
  }

  /** Sends a frame; false if the stream is closed or the write failed. */
  public boolean send(GatewayFrame frame) {
    sendLock.lock();
    try {
      if (outClosed) {
        return false;
      }
      out.onNext(frame);
      return true;
    } catch (RuntimeException e) {
      log.debug("Send to node {} failed: {}", nodeId, e.toString());
      outClosed = true;
      return false;
    } finally {
      sendLock.unlock();
    }
  }

  /** Completes the outbound stream (idempotent). */
  public void closeStream() {
    sendLock.lock();
    try {
      if (!outClosed) {
        outClosed = true;
        out.onCompleted();
      }
    } catch (RuntimeException e) {
      log.debug("Closing the stream of node {} failed: {}", nodeId, e.toString());
    } finally {
      sendLock.unlock();
    }
  }

  @Override
  public String toString() {
    return "node " + nodeId + " (session " + sessionId + ")";
  }
}
