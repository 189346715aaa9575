package io.easyremote.gateway.internal.core;

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
public final class NodeSession {
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

  // Scheduler lock.
  int inFlight;
  final Map<Long, PendingCall> calls = new HashMap<>();
  boolean removed;
  long callsServed;
  long callsFailed;
  double ewmaLatencyMillis;

  volatile NodeResources resources;
  volatile long lastHeartbeatMillis = System.currentTimeMillis();

  NodeSession(String sessionId, Hello hello, StreamObserver<GatewayFrame> out) {
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

  /** Function names in declaration order. */
  List<String> functionNames() {
    return List.copyOf(functions.keySet());
  }

  boolean hasFreeSlot() {
    return inFlight < maxConcurrency;
  }

  /** Records a heartbeat. */
  public void heartbeat(NodeResources resources) {
    this.resources = resources;
    this.lastHeartbeatMillis = System.currentTimeMillis();
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
