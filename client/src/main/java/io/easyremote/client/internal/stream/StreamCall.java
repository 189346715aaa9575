package io.easyremote.client.internal.stream;

import com.google.common.util.concurrent.MoreExecutors;
import io.easyremote.client.internal.codec.ResultReader;
import io.easyremote.client.internal.transport.ClientCallbacks;
import io.easyremote.client.internal.transport.GatewayChannel;
import io.easyremote.client.internal.transport.StatusErrors;
import io.easyremote.protocol.ErrorCode;
import io.easyremote.protocol.RemoteException;
import io.easyremote.protocol.internal.Wire;
import io.easyremote.protocol.wire.CallRequest;
import io.easyremote.protocol.wire.Error;
import io.easyremote.protocol.wire.GatewayGrpc;
import io.easyremote.protocol.wire.Payload;
import io.easyremote.protocol.wire.StreamEnd;
import io.easyremote.protocol.wire.StreamReply;
import io.easyremote.protocol.wire.StreamRequest;
import io.grpc.CallOptions;
import io.grpc.stub.ClientCallStreamObserver;
import io.grpc.stub.ClientCalls;
import io.grpc.stub.ClientResponseObserver;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.NoSuchElementException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * One streaming call on the wire ({@code Gateway.CallStream}, bidirectional) and its client-side
 * buffer.
 *
 * <p><b>Flow control.</b> The call opens with {@link StreamWindow#opening} credits. The window, in
 * items, is {@link StreamWindow#items(long)} of the largest item seen so far: the whole item window
 * for small items, a few for large ones. Each time the consumer's takings leave at least half a
 * window ungranted, the credits that fill the window are sent. So the producer is never more than
 * a window of items ahead of the consumer (a gateway sending more than it was granted breaks the
 * stream), and the items ahead hold about the window's bytes, unless items grow after their credits
 * went out.
 *
 * <p><b>Ends.</b> A {@code StreamEnd} without error (whose count matches the items received)
 * completes the stream; one with an error delivers the items before it, then that error. A gRPC
 * stream that ends without {@code StreamEnd}, or breaks, fails with the count of items that
 * arrived: never a silent truncation.
 *
 * <p>Items are decoded as the consumer takes them. gRPC hands the replies over on the transport's
 * event loop itself ({@code directExecutor}), where they are only buffered: a hand-off to another
 * thread per message cost as much CPU as the rest of the client's work on 64 KiB items and halved
 * their rate. A push consumer's signal ({@link #onSignal}) runs on {@link ClientCallbacks}, never on
 * the event loop. Requests to the gateway (the call, credits, half-close, cancel) are serialised
 * under one lock. Thread-safe; meant for one consumer at a time, which either blocks
 * ({@link #hasNext}, {@link #next}) or is pushed to through {@link #onSignal} and the non-blocking
 * {@link #ready}.
 *
 * @param <T> the item type
 */
public final class StreamCall<T> {
  private final GatewayChannel gateway;
  private final String function;
  private final ResultReader<T> reader;
  private final Duration deadline;
  private final StreamWindow window;

  private final ReentrantLock lock = new ReentrantLock();
  private final Condition changed = lock.newCondition();
  private final ArrayDeque<Payload> buffer = new ArrayDeque<>();
  /** Set once, under {@link #lock}: the stream ended (normally when {@link #failure} is null). */
  private boolean ended;
  private RemoteException failure;
  private boolean closed;
  private long received;
  /** Credits sent so far, the opening ones included. */
  private long granted;
  /** Items the consumer took. */
  private long taken;
  /** The bytes of the largest item that arrived: what sizes the window. */
  private long largestItem;
  private volatile long delivered;
  private volatile String nodeId;
  private volatile Runnable onSignal;
  /** Whether a run of {@link #onSignal} waits on {@link ClientCallbacks}: the signals given meanwhile join it. */
  private final AtomicBoolean signalQueued = new AtomicBoolean();

  private final ReentrantLock writeLock = new ReentrantLock();
  private ClientCallStreamObserver<StreamRequest> requests;

  private StreamCall(GatewayChannel gateway, String function, ResultReader<T> reader, Duration deadline, StreamWindow window) {
    this.gateway = gateway;
    this.function = function;
    this.reader = reader;
    this.deadline = deadline;
    this.window = window;
    this.granted = window.opening();
  }

  /**
   * Opens the call; items begin to arrive in the background. Never throws for the call's own
   * failures: they surface while reading.
   *
   * @param request the call, without {@code stream_credits} (set here to the window's opening credits)
   * @param deadline for the whole stream
   * @param window how far the producer may run ahead of the consumer
   */
  public static <T> StreamCall<T> start(GatewayChannel gateway, CallRequest request, ResultReader<T> reader,
      Duration deadline, StreamWindow window) {
    StreamCall<T> call = new StreamCall<>(gateway, request.getFunction(), reader, deadline, window);
    if (gateway.isClosed()) {
      call.end(new RemoteException(ErrorCode.CANCELLED, "The client for gateway " + gateway.address()
          + " is closed; the stream of '" + call.function + "' was not opened."));
      return call;
    }
    try {
      CallOptions options = CallOptions.DEFAULT.withDeadlineAfter(deadline.toNanos(), TimeUnit.NANOSECONDS)
          .withExecutor(MoreExecutors.directExecutor()); // replies are only buffered: no hand-off per message
      ClientCalls.asyncBidiStreamingCall(gateway.channel().newCall(GatewayGrpc.getCallStreamMethod(), options), call.new Responses());
      call.write(StreamRequest.newBuilder().setCall(request.toBuilder().setStreamCredits(window.opening()).setStreamBatches(true)).build());
    } catch (RuntimeException e) {
      call.end(StatusErrors.toException(gateway, "the stream of '" + call.function + "'", deadline, e));
      call.cancelRpc("The stream could not be started.");
    }
    return call;
  }

  /** The function streaming, for messages. */
  public String function() {
    return function;
  }

  /** The node serving the stream, once the gateway said; else null. */
  public String nodeId() {
    return nodeId;
  }

  /** Items handed to the consumer so far. */
  public long delivered() {
    return delivered;
  }

  /**
   * Runs {@code signal} whenever an item or the end arrives, on a thread of {@link ClientCallbacks}
   * (at once on this thread too); for a push consumer. Signals given while a run waits to start are
   * one run: {@code signal} must look at the whole state each time.
   */
  public void onSignal(Runnable signal) {
    this.onSignal = signal;
    signal.run();
  }

  /** Has the push consumer's signal run soon, off the transport's thread; nothing without one. */
  private void signal() {
    Runnable signal = onSignal;
    if (signal != null && signalQueued.compareAndSet(false, true)) {
      ClientCallbacks.executor().execute(() -> {
        signalQueued.set(false);
        signal.run();
      });
    }
  }

  /** Whether {@link #close} stopped the stream before it ended normally. */
  public boolean closedBeforeEnd() {
    lock.lock();
    try {
      return closed && !(ended && failure == null);
    } finally {
      lock.unlock();
    }
  }

  /** Whether {@link #hasNext} would answer at once: an item, the end, a failure or closed. Never blocks. */
  public boolean ready() {
    lock.lock();
    try {
      return closed || !buffer.isEmpty() || ended;
    } finally {
      lock.unlock();
    }
  }

  /**
   * Whether another item comes; blocks until that is known. False after a normal end or after
   * {@link #close}.
   *
   * @throws RemoteException the stream's failure, after every item that arrived before it (again
   *     on every later call); {@link ErrorCode#CANCELLED} when the thread is interrupted while
   *     waiting, which also cancels the stream and keeps the interrupt flag set
   */
  public boolean hasNext() {
    lock.lock();
    try {
      while (!closed && buffer.isEmpty() && !ended) {
        try {
          changed.await();
        } catch (InterruptedException e) {
          lock.unlock();
          try {
            close();
          } finally {
            lock.lock();
          }
          Thread.currentThread().interrupt();
          throw new RemoteException(ErrorCode.CANCELLED, "Interrupted while reading the stream of '" + function
              + "' after " + items(delivered) + "; the stream was cancelled.", true, 0, nodeId, e);
        }
      }
      if (closed) {
        return false;
      }
      if (!buffer.isEmpty()) {
        return true;
      }
      if (failure != null) {
        failure.fillInStackTrace(); // the reader's stack, not the gRPC thread's
        throw failure;
      }
      return false;
    } finally {
      lock.unlock();
    }
  }

  /**
   * The next item, blocking until it arrives.
   *
   * @throws NoSuchElementException after the end or {@link #close}
   * @throws RemoteException as {@link #hasNext} does, or when the item cannot be read as the
   *     item type (which ends the stream)
   */
  public T next() {
    if (!hasNext()) {
      throw new NoSuchElementException("The stream of '" + function + "' has ended after " + items(delivered) + ".");
    }
    Payload payload;
    int credit = 0;
    lock.lock();
    try {
      payload = buffer.pollFirst();
      taken++;
      int items = window.items(largestItem);
      long ungranted = items - (granted - taken);
      if (ungranted >= Math.max(1, items / 2)) {
        credit = (int) ungranted;
        granted += credit;
      }
    } finally {
      lock.unlock();
    }
    T item;
    try {
      item = reader.read(function, payload, nodeId);
    } catch (RemoteException e) {
      lock.lock();
      try {
        buffer.clear(); // nothing after an unreadable item is delivered
      } finally {
        lock.unlock();
      }
      end(e);
      cancelRpc("The caller cannot read an item.");
      throw e;
    }
    delivered++;
    if (credit > 0) {
      write(StreamRequest.newBuilder().setCredit(credit).build());
    }
    return item;
  }

  /**
   * Stops reading: cancels the call if it is still running (the gateway then stops the producer
   * on its node) and drops what was buffered; {@link #hasNext} answers false from now on.
   * Idempotent; any thread.
   */
  public void close() {
    boolean running;
    lock.lock();
    try {
      if (closed) {
        return;
      }
      closed = true;
      running = !ended;
      buffer.clear();
      changed.signalAll();
    } finally {
      lock.unlock();
    }
    if (running) {
      cancelRpc("The caller closed the stream.");
    }
    signal();
  }

  /** Ends the stream, normally when {@code error} is null, unless it already ended; wakes the consumer. */
  private void end(RemoteException error) {
    lock.lock();
    try {
      if (ended) {
        return;
      }
      ended = true;
      failure = error;
      changed.signalAll();
    } finally {
      lock.unlock();
    }
    signal();
  }

  private void write(StreamRequest request) {
    writeLock.lock();
    try {
      if (requests != null && !isClosedOrEnded()) {
        requests.onNext(request);
      }
    } catch (RuntimeException e) {
      // The call already ended; its outcome reaches the consumer through the response observer.
    } finally {
      writeLock.unlock();
    }
  }

  private void halfClose() {
    writeLock.lock();
    try {
      if (requests != null) {
        requests.onCompleted();
      }
    } catch (RuntimeException e) {
      // already cancelled or completed
    } finally {
      writeLock.unlock();
    }
  }

  private void cancelRpc(String why) {
    writeLock.lock();
    try {
      if (requests != null) {
        requests.cancel(why, null);
      }
    } finally {
      writeLock.unlock();
    }
  }

  private boolean isClosedOrEnded() {
    lock.lock();
    try {
      return closed || ended;
    } finally {
      lock.unlock();
    }
  }

  static String items(long n) {
    return n == 1 ? "1 item" : n + " items";
  }

  private RemoteException broken(RemoteException cause) {
    return new RemoteException(cause.code(), "The stream of '" + function + "' broke after " + items(received) + ": "
        + cause.getMessage(), received > 0 || cause.reachedNode(), cause.retryAfterMillis(),
        cause.nodeId() != null ? cause.nodeId() : nodeId, cause);
  }

  /** Receives the gateway's replies; gRPC calls it serially. */
  private final class Responses implements ClientResponseObserver<StreamRequest, StreamReply> {
    @Override
    public void beforeStart(ClientCallStreamObserver<StreamRequest> stream) {
      requests = stream;
    }

    @Override
    public void onNext(StreamReply reply) {
      if (!reply.getNodeId().isEmpty()) {
        nodeId = reply.getNodeId();
      }
      if (reply.hasItem()) {
        onItems(reply);
      } else if (reply.hasEnd()) {
        onEnd(reply.getEnd());
      }
    }

    /** The reply's item, then the others it carries ({@code more}, with stream_batches), under one lock. */
    private void onItems(StreamReply reply) {
      RemoteException violation = null;
      lock.lock();
      try {
        if (closed || ended) {
          return;
        }
        for (int i = -1; i < reply.getMoreCount() && violation == null; i++) {
          Payload payload = i < 0 ? reply.getItem().getPayload() : reply.getMore(i).getPayload();
          received++;
          if (received > granted) {
            violation = new RemoteException(ErrorCode.INTERNAL, "Gateway " + gateway.address() + " sent item " + received
                + " of the stream of '" + function + "' with only " + granted + " granted; the stream was cancelled.",
                true, 0, nodeId, null);
          } else {
            buffer.addLast(payload);
            largestItem = Math.max(largestItem, payload.getData().size());
          }
        }
        changed.signalAll();
      } finally {
        lock.unlock();
      }
      if (violation != null) {
        end(violation);
        cancelRpc("Flow control violated.");
      }
      signal();
    }

    private void onEnd(StreamEnd streamEnd) {
      RemoteException error = null;
      if (streamEnd.hasError()) {
        Error e = streamEnd.getError();
        if (e.getNodeId().isEmpty() && nodeId != null) {
          e = e.toBuilder().setNodeId(nodeId).build();
        }
        error = Wire.toException(e);
      } else if (streamEnd.getCount() != received) {
        error = new RemoteException(ErrorCode.INTERNAL, "The stream of '" + function + "' ended saying it sent "
            + items(streamEnd.getCount()) + ", but " + received + " arrived; it is incomplete.", true, 0, nodeId, null);
      }
      end(error);
      halfClose();
    }

    @Override
    public void onError(Throwable t) {
      end(broken(StatusErrors.toException(gateway, "the stream of '" + function + "'", deadline, t)));
    }

    @Override
    public void onCompleted() {
      end(new RemoteException(ErrorCode.INTERNAL, "The stream of '" + function + "' broke after " + items(received)
          + ": gateway " + gateway.address() + " ended it without an end message, so it is incomplete.",
          true, 0, nodeId, null));
    }
  }
}
