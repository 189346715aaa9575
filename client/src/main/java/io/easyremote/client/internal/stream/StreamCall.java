package io.easyremote.client.internal.stream;

import io.easyremote.client.internal.codec.ResultReader;
import io.easyremote.client.internal.transport.GatewayChannel;
import io.easyremote.client.internal.transport.StatusErrors;
import io.easyremote.protocol.ErrorCode;
import io.easyremote.protocol.RemoteException;
import io.easyremote.protocol.internal.Wire;
import io.easyremote.protocol.wire.CallRequest;
import io.easyremote.protocol.wire.GatewayGrpc;
import io.easyremote.protocol.wire.StreamReply;
import io.easyremote.protocol.wire.StreamRequest;
import io.grpc.CallOptions;
import io.grpc.stub.ClientCallStreamObserver;
import io.grpc.stub.ClientCalls;
import io.grpc.stub.ClientResponseObserver;
import java.time.Duration;
import java.util.NoSuchElementException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;

/**
 * One streaming call on the wire ({@code Gateway.CallStream}): buffers at most {@code window}
 * items, and grants the producer more credit as the consumer takes them (half a window at a
 * time), so a slow consumer throttles the node. The end of the stream is explicit: a normal end,
 * an error after the items so far, or a broken transport reported with the count that arrived.
 * Thread-safe; one consumer at a time.
 */
public final class StreamCall<T> {
  private static final Object END = new Object();

  private final GatewayChannel gateway;
  private final String function;
  private final ResultReader<T> reader;
  private final Duration deadline;
  private final int window;
  private final LinkedBlockingQueue<Object> signals = new LinkedBlockingQueue<>();
  private final ReentrantLock writeLock = new ReentrantLock();
  private volatile ClientCallStreamObserver<StreamRequest> requests;
  private volatile String nodeId;
  private volatile boolean closed;
  private boolean ended;
  private int taken;
  private long delivered;
  private Object next;

  private record Failure(RemoteException error) {}

  private StreamCall(GatewayChannel gateway, String function, ResultReader<T> reader, Duration deadline, int window) {
    this.gateway = gateway;
    this.function = function;
    this.reader = reader;
    this.deadline = deadline;
    this.window = window;
  }

  /** Starts the call; items begin to arrive in the background. */
  public static <T> StreamCall<T> start(GatewayChannel gateway, CallRequest request, ResultReader<T> reader, Duration deadline,
      int window) {
    StreamCall<T> call = new StreamCall<>(gateway, request.getFunction(), reader, deadline, window);
    if (gateway.isClosed()) {
      call.signals.add(new Failure(new RemoteException(ErrorCode.CANCELLED, "The client is closed; the stream was not opened.")));
      return call;
    }
    ClientResponseObserver<StreamRequest, StreamReply> responses = call.new Responses();
    io.grpc.stub.StreamObserver<StreamRequest> out = ClientCalls.asyncBidiStreamingCall(gateway.channel().newCall(
        GatewayGrpc.getCallStreamMethod(), CallOptions.DEFAULT.withDeadlineAfter(deadline.toNanos(), TimeUnit.NANOSECONDS)), responses);
    call.send(StreamRequest.newBuilder().setCall(request.toBuilder().setStreamCredits(window)).build());
    return call;
  }

  /** The node serving the stream, once known; else null. */
  public String nodeId() {
    return nodeId;
  }

  /** Items handed to the consumer so far. */
  public long delivered() {
    return delivered;
  }

  /** Whether another item is coming; blocks until it is known. @throws RemoteException when the stream failed */
  public boolean hasNext() {
    if (next == null && !ended) {
      try {
        next = signals.take();
      } catch (InterruptedException e) {
        close();
        Thread.currentThread().interrupt();
        throw new RemoteException(ErrorCode.CANCELLED, "Interrupted while reading the stream of '" + function + "'; it was cancelled.");
      }
    }
    if (next instanceof Failure f) {
      ended = true;
      f.error().fillInStackTrace();
      throw f.error();
    }
    if (next == END) {
      ended = true;
    }
    return !ended;
  }

  /** The next item. @throws NoSuchElementException after the end */
  @SuppressWarnings("unchecked")
  public T next() {
    if (!hasNext()) {
      throw new NoSuchElementException("The stream of '" + function + "' has ended");
    }
    T item = (T) ((Item) next).value();
    next = null;
    delivered++;
    if (++taken >= Math.max(1, window / 2)) {
      send(StreamRequest.newBuilder().setCredit(taken).build());
      taken = 0;
    }
    return item;
  }

  private record Item(Object value) {}

  /** Cancels the stream if it is still running; the gateway then stops the producer. Idempotent. */
  public void close() {
    if (closed) {
      return;
    }
    closed = true;
    ClientCallStreamObserver<StreamRequest> r = requests;
    if (r != null && !ended) {
      r.cancel("The consumer closed the stream.", null);
    }
    signals.add(END);
  }

  private void send(StreamRequest request) {
    writeLock.lock();
    try {
      ClientCallStreamObserver<StreamRequest> r = requests;
      if (r != null && !closed) {
        r.onNext(request);
      }
    } catch (RuntimeException e) {
      // the call already ended; its end signal tells the consumer
    } finally {
      writeLock.unlock();
    }
  }

  private final class Responses implements ClientResponseObserver<StreamRequest, StreamReply> {
    private long received;
    private boolean sawEnd;

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
        received++;
        try {
          signals.add(new Item(reader.read(function, reply.getItem().getPayload(), nodeId)));
        } catch (RemoteException e) {
          signals.add(new Failure(e));
          close();
        }
      } else if (reply.hasEnd()) {
        sawEnd = true;
        if (reply.getEnd().hasError()) {
          signals.add(new Failure(Wire.toException(reply.getEnd().getError())));
        } else {
          signals.add(END);
        }
        writeLock.lock();
        try {
          requests.onCompleted();
        } catch (RuntimeException e) {
          // already closed
        } finally {
          writeLock.unlock();
        }
      }
    }

    @Override
    public void onError(Throwable t) {
      if (sawEnd || closed) {
        return;
      }
      RemoteException cause = StatusErrors.toException(gateway, "the stream of '" + function + "'", deadline, t);
      signals.add(new Failure(new RemoteException(cause.code(), "The stream of '" + function + "' broke after " + received
          + " item(s): " + cause.getMessage(), received > 0 || cause.reachedNode(), cause.retryAfterMillis(), nodeId, cause)));
    }

    @Override
    public void onCompleted() {
      if (!sawEnd && !closed) {
        signals.add(new Failure(new RemoteException(ErrorCode.INTERNAL, "The stream of '" + function + "' ended after " + received
            + " item(s) without saying it was complete.", true, 0, nodeId, null)));
      }
    }
  }
}
