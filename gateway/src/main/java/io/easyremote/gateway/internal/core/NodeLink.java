package io.easyremote.gateway.internal.core;

import com.google.errorprone.annotations.concurrent.GuardedBy;
import io.easyremote.protocol.internal.FramePacker;
import io.easyremote.protocol.internal.PartQueue;
import io.easyremote.protocol.wire.GatewayFrame;
import io.easyremote.protocol.wire.GatewayFrames;
import io.easyremote.protocol.wire.Invoke;
import io.easyremote.protocol.wire.PayloadPart;
import io.grpc.stub.CallStreamObserver;
import io.grpc.stub.StreamObserver;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.ReentrantLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A node's outbound frames, in order. Routing {@linkplain #enqueue enqueues} under the routing
 * lock (so a call's Invoke always precedes its Cancel) and anyone {@linkplain #flush flushes}
 * after releasing it: no frame is serialized under the routing lock. Writes are serialized here
 * because a {@link StreamObserver} is not thread-safe.
 *
 * <p>Once the link knows the event loop of its stream ({@link #writeOn}), a flush writes on that
 * loop, once per turn: the calls that one turn's reads dispatched to this node go out together
 * rather than one flushed message each. To a node that reads batches ({@code Hello.batches}),
 * frames written together go as one {@code GatewayFrames} message (see {@link FramePacker}).
 *
 * <p>To a node that reads payloads in parts ({@code Hello.parts}), an Invoke whose payload is
 * larger than {@link PartQueue#PART_BYTES} goes with its first part, and the rest follows in
 * {@code PayloadPart} frames written only while the stream is ready and after every other frame
 * (see {@link PartQueue}); {@link #writable()} resumes them.
 */
final class NodeLink {
  private static final Logger log = LoggerFactory.getLogger(NodeLink.class);

  private final String nodeId;
  private final StreamObserver<GatewayFrame> out;
  private final ConcurrentLinkedQueue<GatewayFrame> outbox = new ConcurrentLinkedQueue<>();
  private final ReentrantLock sendLock = new ReentrantLock();
  private final FramePacker<GatewayFrame> packer; // used under sendLock
  /** Null when the node does not read parts. Used under sendLock. */
  private final PartQueue parts;
  /** Whether parts wait to be written (set under sendLock). */
  private volatile boolean partsWaiting;
  @GuardedBy("sendLock")
  private boolean closed;
  private final AtomicBoolean flushScheduled = new AtomicBoolean();
  private final Runnable flushOnLoop = this::flushOnLoop;
  private volatile Executor loop;

  NodeLink(String nodeId, StreamObserver<GatewayFrame> out) {
    this(nodeId, out, false, false);
  }

  /**
   * @param packs whether the node reads {@code GatewayFrames} (its Hello said {@code batches})
   * @param inParts whether the node reads large payloads in parts (its Hello said {@code parts})
   */
  @SuppressWarnings("GuardedBy") // the packer writes only from drain(), under sendLock
  NodeLink(String nodeId, StreamObserver<GatewayFrame> out, boolean packs, boolean inParts) {
    this.nodeId = nodeId;
    this.out = out;
    this.parts = inParts ? new PartQueue() : null;
    this.packer = new FramePacker<>(
        packs ? frames -> GatewayFrame.newBuilder().setBatch(GatewayFrames.newBuilder().addAllFrames(frames)).build() : null,
        this::write);
  }

  /** From now on, flushes write on {@code eventLoop}, the loop of the node's stream, once per turn. */
  void writeOn(Executor eventLoop) {
    this.loop = eventLoop;
  }

  /** Queues a frame; the next {@link #flush()} writes it. Cheap: safe under the routing lock. */
  void enqueue(GatewayFrame frame) {
    outbox.add(frame);
  }

  /**
   * Writes every queued frame in order: on the stream's event loop once {@link #writeOn} named
   * it (after the loop's current work, with whatever else is queued by then), else here, unless
   * another thread is writing (it then writes them too: it looks at the queue again after
   * releasing the send lock).
   */
  void flush() {
    Executor l = loop;
    if (l == null) {
      flushHere();
    } else if ((!outbox.isEmpty() || partsReady()) && flushScheduled.compareAndSet(false, true)) {
      try {
        l.execute(flushOnLoop);
      } catch (RejectedExecutionException e) {
        flushScheduled.set(false); // the loop is shutting down: write from here
        flushHere();
      }
    }
  }

  private void flushOnLoop() {
    flushScheduled.set(false);
    flushHere();
  }

  /** The stream can take more: writes the parts that wait. Called by the transport. */
  void writable() {
    if (partsWaiting) {
      flush();
    }
  }

  private void flushHere() {
    while ((!outbox.isEmpty() || partsReady()) && sendLock.tryLock()) {
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
      packer.add(parts == null ? frame : firstPart(frame));
    }
    packer.flush();
    if (parts != null) {
      writeParts();
    }
  }

  /** {@code frame}, or an Invoke's first part when its payload goes in parts (the rest queued); a Cancel drops what is left. */
  @GuardedBy("sendLock")
  private GatewayFrame firstPart(GatewayFrame frame) {
    if (frame.getKindCase() == GatewayFrame.KindCase.CANCEL) {
      parts.cancel(frame.getCancel().getCallId());
    } else if (frame.getKindCase() == GatewayFrame.KindCase.INVOKE && PartQueue.inParts(frame.getInvoke().getPayload().getData())) {
      Invoke invoke = frame.getInvoke();
      com.google.protobuf.ByteString data = invoke.getPayload().getData();
      parts.addRest(invoke.getCallId(), data);
      return GatewayFrame.newBuilder().setInvoke(invoke.toBuilder().setPayloadSize(data.size())
          .setPayload(invoke.getPayload().toBuilder().setData(PartQueue.firstPart(data)))).build();
    }
    return frame;
  }

  /** Whether parts wait and the stream can take one now. */
  private boolean partsReady() {
    return partsWaiting && (!(out instanceof CallStreamObserver<?> stream) || stream.isReady());
  }

  /** Writes waiting parts while the stream is ready; {@link #writable()} resumes when it is again. */
  @GuardedBy("sendLock")
  private void writeParts() {
    while (!closed && !parts.isEmpty() && (!(out instanceof CallStreamObserver<?> stream) || stream.isReady())) {
      PartQueue.Part part = parts.next();
      write(GatewayFrame.newBuilder().setPart(PayloadPart.newBuilder().setCallId(part.callId()).setData(part.data())).build());
    }
    partsWaiting = !closed && !parts.isEmpty();
  }

  @GuardedBy("sendLock")
  private void write(GatewayFrame frame) {
    if (closed) {
      return;
    }
    try {
      out.onNext(frame);
    } catch (RuntimeException e) {
      log.debug("Send to node {} failed: {}", nodeId, e.toString());
      closed = true;
    }
  }
}
