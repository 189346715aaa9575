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
 *
 * <p>A caller that grants no credits ({@code stream_credits = 0}), or that half-closes its side,
 * leaves the pacing to HTTP/2 flow control: the gateway then grants the node credits itself, one
 * for each item written to the caller's transport, keeping at most {@code maxBuffered} items
 * granted and not yet written. A reader that stops reading fills its HTTP/2 window, the transport
 * stops being ready, no more credits go out, and the producer on the node waits.
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
  /** Credits passed to the node so far, the initial window included. */
  private long granted;
  /** Whether the gateway grants credits itself as items leave (HTTP/2 flow control paces the stream). */
  private boolean autoCredit;
  private long seq;
  private boolean ending;
  private boolean closed;
  /** Whether the caller takes several items per reply ({@code stream_batches}). */
  private volatile boolean batches;
  /** A batch closes at this many items or bytes (a 64 KiB item goes alone). */
  static final int MAX_BATCH_ITEMS = 1024;
  static final int MAX_BATCH_BYTES = 64 << 10;
  /** Whether {@link #drain} is running on this thread: a write that completes at once calls onReady, and so drain, again. */
  private boolean draining;
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

  /**
   * @param initialCredits the window the call was submitted with (at most {@code maxBuffered})
   * @param heldBack credits the caller granted beyond {@code maxBuffered} at the start: passed on
   *     as items leave, like later grants
   * @param auto whether the caller grants no credits, so the gateway paces the stream by flow control
   * @param batched whether the caller takes several items per reply: the items waiting go together
   */
  void start(PendingCall call, int initialCredits, long heldBack, boolean auto, boolean batched) {
    this.call = call;
    this.batches = batched;
    lock.lock();
    try {
      granted = initialCredits;
      heldCredits = heldBack;
      autoCredit = auto;
    } finally {
      lock.unlock();
    }
    if (out.isCancelled()) {
      callerGone();
    } else if (auto) {
      executor.execute(this::drain); // items written before this point freed room that nobody refilled
    }
  }

  /**
   * The caller half-closed: it can grant no more credits, yet still receives the whole stream,
   * paced by HTTP/2 flow control from now on.
   */
  void halfClosed() {
    lock.lock();
    try {
      autoCredit = true;
    } finally {
      lock.unlock();
    }
    if (call != null) {
      executor.execute(this::drain);
    }
  }

  /** The caller is ready for {@code n} more items ({@code n} unsigned, as on the wire). */
  void grant(int n) {
    long release = 0;
    lock.lock();
    try {
      if (closed || ending) {
        return;
      }
      if (autoCredit) {
        return; // the gateway paces this stream itself
      }
      heldCredits += Integer.toUnsignedLong(n);
      release = releasable();
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
      if (closed || draining) {
        return; // called back from the write below: the loop there goes on by itself
      }
      draining = true;
      while (!pending.isEmpty() && out.isReady()) {
        StreamReply reply = pending.pollFirst();
        if (reply.hasItem()) {
          scheduler.bufferedStreamItems().decrementAndGet();
          itemsWritten++;
          if (batches && !pending.isEmpty() && pending.peekFirst().hasItem()) {
            reply = withWaitingItems(reply);
          }
        }
        out.onNext(reply);
      }
      if (ending && pending.isEmpty()) {
        closed = true;
        out.onCompleted();
      } else if (autoCredit && !ending) {
        // Keep at most maxBuffered items granted and not yet written; refill in batches, not per item.
        long room = maxBuffered - (granted - itemsWritten);
        if (room >= Math.max(1, maxBuffered / 4)) {
          release = room;
          granted += room;
        }
      } else {
        release = releasable();
      }
    } catch (RuntimeException e) {
      closed = true; // the caller is gone; the cancel handler cleans up
    } finally {
      draining = false;
      lock.unlock();
    }
    if (release > 0) {
      scheduler.credit(call, (int) Math.min(Integer.MAX_VALUE, release));
    }
  }

  /** {@code first} with the items waiting behind it, up to a batch's limits. Call under the lock. */
  private StreamReply withWaitingItems(StreamReply first) {
    StreamReply.Builder batch = first.toBuilder();
    long bytes = first.getItem().getSerializedSize();
    while (!pending.isEmpty() && pending.peekFirst().hasItem() && batch.getMoreCount() < MAX_BATCH_ITEMS - 1
        && bytes + pending.peekFirst().getItem().getSerializedSize() <= MAX_BATCH_BYTES) {
      StreamReply next = pending.pollFirst();
      batch.addMore(next.getItem());
      bytes += next.getItem().getSerializedSize();
      scheduler.bufferedStreamItems().decrementAndGet();
      itemsWritten++;
    }
    return batch.build();
  }

  /**
   * How many of the caller's held credits may go to the node now (taken from {@code heldCredits}
   * into {@code granted}): never so many that more than {@code maxBuffered} items could be granted
   * and not yet written, whatever the caller grants; in batches of a quarter of that, not per item.
   * Call under the lock.
   */
  private long releasable() {
    long room = maxBuffered - (granted - itemsWritten);
    long release = Math.min(heldCredits, room);
    if (release <= 0 || (release < heldCredits && release < Math.max(1, maxBuffered / 4))) {
      return 0;
    }
    heldCredits -= release;
    granted += release;
    return release;
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
