package io.easyremote.gateway.internal.core;

import com.google.errorprone.annotations.concurrent.GuardedBy;
import io.easyremote.protocol.wire.GatewayFrame;
import io.grpc.stub.StreamObserver;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.locks.ReentrantLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A node's outbound frames, in order. Routing {@linkplain #enqueue enqueues} under the routing
 * lock (so a call's Invoke always precedes its Cancel) and anyone {@linkplain #flush flushes}
 * after releasing it: no frame is serialized under the routing lock, and frames queued together
 * are written in one go. Writes are serialized here because a {@link StreamObserver} is not
 * thread-safe.
 */
final class NodeLink {
  private static final Logger log = LoggerFactory.getLogger(NodeLink.class);

  private final String nodeId;
  private final StreamObserver<GatewayFrame> out;
  private final ConcurrentLinkedQueue<GatewayFrame> outbox = new ConcurrentLinkedQueue<>();
  private final ReentrantLock sendLock = new ReentrantLock();
  @GuardedBy("sendLock")
  private boolean closed;

  NodeLink(String nodeId, StreamObserver<GatewayFrame> out) {
    this.nodeId = nodeId;
    this.out = out;
  }

  /** Queues a frame; the next {@link #flush()} writes it. Cheap: safe under the routing lock. */
  void enqueue(GatewayFrame frame) {
    outbox.add(frame);
  }

  /**
   * Writes every queued frame in order, unless another thread is writing (it then writes them
   * too: it looks at the queue again after releasing the send lock).
   */
  void flush() {
    while (!outbox.isEmpty() && sendLock.tryLock()) {
      try {
        drain();
      } finally {
        sendLock.unlock();
      }
    }
  }

  /** Writes what is queued, then completes the stream (idempotent). */
  void close() {
    sendLock.lock();
    try {
      drain();
      if (!closed) {
        closed = true;
        out.onCompleted();
      }
    } catch (RuntimeException e) {
      log.debug("Closing the stream of node {} failed: {}", nodeId, e.toString());
    } finally {
      sendLock.unlock();
    }
  }

  @GuardedBy("sendLock")
  private void drain() {
    GatewayFrame frame;
    while ((frame = outbox.poll()) != null) {
      if (closed) {
        continue; // the stream is gone: what was queued is dropped
      }
      try {
        out.onNext(frame);
      } catch (RuntimeException e) {
        log.debug("Send to node {} failed: {}", nodeId, e.toString());
        closed = true;
      }
    }
  }
}
