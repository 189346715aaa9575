package io.easyremote.gateway.internal.grpc;

import io.easyremote.gateway.internal.core.CallScheduler;
import io.easyremote.gateway.internal.core.PendingCall;
import io.easyremote.gateway.internal.core.StreamSink;
import io.easyremote.protocol.ErrorCode;
import io.easyremote.protocol.internal.Wire;
import io.easyremote.protocol.wire.Error;
import io.easyremote.protocol.wire.Payload;
import io.easyremote.protocol.wire.StreamEnd;
import io.easyremote.protocol.wire.StreamItem;
import io.easyremote.protocol.wire.StreamReply;
import io.grpc.stub.ServerCallStreamObserver;
import java.util.ArrayDeque;
import java.util.concurrent.locks.ReentrantLock;

/**
 * One gRPC {@code CallStream} toward its caller. Items are written only while the caller's
 * transport is ready; the rest wait here, and the caller's credits are passed on to the node only
 * while fewer than {@code maxBuffered} items wait, so the gateway holds a bounded number of items
 * per stream whatever the caller does.
 */
final class GrpcStreamReply implements StreamSink {
  private final ServerCallStreamObserver<StreamReply> out;
  private final CallScheduler scheduler;
  private final int maxBuffered;
  private final ReentrantLock lock = new ReentrantLock();
  private final ArrayDeque<StreamReply> pending = new ArrayDeque<>();
  private volatile PendingCall call;
  private long heldCredits;
  private long itemsWritten;
  private long seq;
  private boolean ending;
  private boolean closed;
  private final java.util.concurrent.atomic.AtomicBoolean drainScheduled = new java.util.concurrent.atomic.AtomicBoolean();

  private final java.util.concurrent.Executor executor;

  /** @param executor the request's own event loop: writes happen there, never on a node's thread */
  GrpcStreamReply(ServerCallStreamObserver<StreamReply> out, CallScheduler scheduler, int maxBuffered,
      java.util.concurrent.Executor executor) {
    this.executor = executor;
    this.out = out;
    this.scheduler = scheduler;
    this.maxBuffered = maxBuffered;
  }

  boolean started() {
    return call != null;
  }

  void start(PendingCall call) {
    this.call = call;
    if (out.isCancelled()) {
      callerGone();
    }
  }

  /** The caller is ready for {@code n} more items. */
  void grant(int n) {
    long release = 0;
    lock.lock();
    try {
      if (closed || ending) {
        return;
      }
      heldCredits += n;
      if (pending.size() < maxBuffered) {
        release = heldCredits;
        heldCredits = 0;
      }
    } finally {
      lock.unlock();
    }
    if (release > 0) {
      scheduler.credit(call, (int) Math.min(Integer.MAX_VALUE, release));
    }
  }

  /** Ends a stream that never started with an error. */
  void refuse(ErrorCode code, String message) {
    enqueue(StreamReply.newBuilder().setEnd(StreamEnd.newBuilder().setError(Wire.error(code, message))).build(), true);
  }

  void protocolError(String message) {
    if (call == null) {
      refuse(ErrorCode.INVALID_REQUEST, message);
      return;
    }
    onError(Wire.error(ErrorCode.INVALID_REQUEST, message));
    PendingCall c = call;
    if (c != null) {
      scheduler.cancel(c, ErrorCode.CANCELLED, message);
    }
  }

  /** The caller cancelled or disconnected: drop what waits and cancel the call on its node. */
  void callerGone() {
    lock.lock();
    try {
      closed = true;
      scheduler.bufferedStreamItems().addAndGet(-countItems());
      pending.clear();
    } finally {
      lock.unlock();
    }
    PendingCall c = call;
    if (c != null) {
      scheduler.cancel(c, ErrorCode.CANCELLED, "The caller cancelled the stream.");
    }
  }

  @Override
  public void onItem(Payload payload, String nodeId) {
    enqueue(StreamReply.newBuilder().setItem(StreamItem.newBuilder().setSeq(++seq).setPayload(payload)).setNodeId(nodeId).build(), false);
  }

  @Override
  public void onEnd(long count, String nodeId) {
    enqueue(StreamReply.newBuilder().setEnd(StreamEnd.newBuilder().setCount(count)).setNodeId(nodeId).build(), true);
  }

  @Override
  public void onResult(Payload payload, String nodeId) {
    // A plain function called as a stream: one item, then the end.
    onItem(payload, nodeId);
    onEnd(1, nodeId);
  }

  @Override
  public void onError(Error error) {
    StreamReply.Builder end = StreamReply.newBuilder().setEnd(StreamEnd.newBuilder().setCount(seq).setError(error));
    if (!error.getNodeId().isEmpty()) {
      end.setNodeId(error.getNodeId());
    }
    enqueue(end.build(), true);
  }

  private void enqueue(StreamReply reply, boolean last) {
    lock.lock();
    try {
      if (closed || ending) {
        return;
      }
      pending.addLast(reply);
      if (reply.hasItem()) {
        scheduler.bufferedStreamItems().incrementAndGet();
      }
      ending = last;
    } finally {
      lock.unlock();
    }
    if (drainScheduled.compareAndSet(false, true)) { // one pending drain task writes every item queued before it runs
      executor.execute(() -> {
        drainScheduled.set(false);
        drain();
      });
    }
  }

  /** Writes what the caller's transport is ready for; runs on the request's event loop after new items and on onReady. */
  void drain() {
    long release = 0;
    lock.lock();
    try {
      if (closed) {
        return;
      }
      while (!pending.isEmpty() && out.isReady()) {
        StreamReply reply = pending.pollFirst();
        if (reply.hasItem()) {
          scheduler.bufferedStreamItems().decrementAndGet();
          itemsWritten++;
        }
        out.onNext(reply);
      }
      if (ending && pending.isEmpty()) {
        closed = true;
        out.onCompleted();
      } else if (heldCredits > 0 && pending.size() < maxBuffered) {
        release = heldCredits;
        heldCredits = 0;
      }
    } catch (RuntimeException e) {
      closed = true; // the caller is gone; the cancel handler cleans up
    } finally {
      lock.unlock();
    }
    if (release > 0) {
      scheduler.credit(call, (int) Math.min(Integer.MAX_VALUE, release));
    }
  }

  private int countItems() {
    int n = 0;
    for (StreamReply reply : pending) {
      if (reply.hasItem()) {
        n++;
      }
    }
    return n;
  }
}
