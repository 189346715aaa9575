package io.easyremote.client;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.google.protobuf.ByteString;
import io.easyremote.protocol.ErrorCode;
import io.easyremote.protocol.internal.Json;
import io.easyremote.protocol.wire.CallReply;
import io.easyremote.protocol.wire.CallRequest;
import io.easyremote.protocol.wire.DrainNodeReply;
import io.easyremote.protocol.wire.DrainNodeRequest;
import io.easyremote.protocol.wire.Encoding;
import io.easyremote.protocol.wire.Error;
import io.easyremote.protocol.wire.GatewayGrpc;
import io.easyremote.protocol.wire.GetNodeRequest;
import io.easyremote.protocol.wire.ListFunctionsReply;
import io.easyremote.protocol.wire.ListFunctionsRequest;
import io.easyremote.protocol.wire.ListNodesReply;
import io.easyremote.protocol.wire.ListNodesRequest;
import io.easyremote.protocol.wire.NodeInfo;
import io.easyremote.protocol.wire.Payload;
import io.easyremote.protocol.wire.StreamEnd;
import io.easyremote.protocol.wire.StreamItem;
import io.easyremote.protocol.wire.StreamReply;
import io.easyremote.protocol.wire.StreamRequest;
import io.grpc.Attributes;
import io.grpc.Context;
import io.grpc.Deadline;
import io.grpc.Metadata;
import io.grpc.Server;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.ServerInterceptors;
import io.grpc.ServerTransportFilter;
import io.grpc.Status;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;

/**
 * A scriptable stand-in for the gateway's caller-facing gRPC service, served by grpc-java on
 * 127.0.0.1 and an ephemeral port. Records what it receives; each test sets {@link #onCall} (unary
 * calls) or {@link #onStream} (streams, produced on a thread of their own under the caller's
 * credits, like a node behind the gateway).
 */
final class FakeGateway implements AutoCloseable {
  /** How the fake answers one {@code Call}. */
  @FunctionalInterface
  interface CallHandler {
    void handle(CallRequest request, ServerCallStreamObserver<CallReply> out);
  }

  /** How the fake produces one {@code CallStream}; runs on its own thread and may block for credits. */
  @FunctionalInterface
  interface StreamHandler {
    void produce(CallRequest request, FakeStream out) throws InterruptedException;
  }

  final List<CallRequest> requests = new CopyOnWriteArrayList<>();
  /** {@code System.nanoTime()} as each call arrived. */
  final List<Long> arrivalNanos = new CopyOnWriteArrayList<>();
  final List<CallRequest> streamRequests = new CopyOnWriteArrayList<>();
  /** Every credit message received, in order, over all streams. */
  final List<Integer> credits = new CopyOnWriteArrayList<>();
  final AtomicInteger streamsCancelled = new AtomicInteger();
  /** Items sent, over all streams. */
  final AtomicLong produced = new AtomicLong();
  final AtomicInteger listFunctionsCalls = new AtomicInteger();
  final List<Metadata> headers = new CopyOnWriteArrayList<>();
  /** Remaining deadline in milliseconds as each call arrived, -1 for none. */
  final List<Long> deadlinesMillis = new CopyOnWriteArrayList<>();
  final AtomicInteger cancelled = new AtomicInteger();
  final AtomicInteger transports = new AtomicInteger();

  volatile CallHandler onCall = replyValue(null);
  volatile StreamHandler onStream = countTo(0);
  volatile List<NodeInfo> nodes = List.of();
  /** Every DrainNode request received. */
  final List<DrainNodeRequest> drains = new CopyOnWriteArrayList<>();
  volatile ListFunctionsReply functions = ListFunctionsReply.getDefaultInstance();

  private final Server server;

  private FakeGateway() {
    ServerInterceptor captureHeaders = new ServerInterceptor() {
      @Override
      public <Q, R> ServerCall.Listener<Q> interceptCall(ServerCall<Q, R> call, Metadata metadata, ServerCallHandler<Q, R> next) {
        headers.add(metadata);
        return next.startCall(call, metadata);
      }
    };
    ServerTransportFilter countTransports = new ServerTransportFilter() {
      @Override
      public Attributes transportReady(Attributes attributes) {
        transports.incrementAndGet();
        return attributes;
      }
    };
    server = NettyServerBuilder.forAddress(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0))
        .addService(ServerInterceptors.intercept(new Service(), captureHeaders))
        .addTransportFilter(countTransports)
        .build();
  }

  static FakeGateway start() {
    FakeGateway fake = new FakeGateway();
    try {
      fake.server.start();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return fake;
  }

  String address() {
    return "127.0.0.1:" + server.getPort();
  }

  Metadata lastHeaders() {
    return headers.get(headers.size() - 1);
  }

  CallRequest lastRequest() {
    return requests.get(requests.size() - 1);
  }

  @Override
  public void close() throws InterruptedException {
    server.shutdownNow();
    server.awaitTermination(5, TimeUnit.SECONDS);
  }

  // ------------------------------------------------------------------ canned behaviours

  /** Answers every call with {@code value} as JSON, served by node {@code node-1}. */
  static CallHandler replyValue(Object value) {
    return replyJson(json(value));
  }

  /** Answers every call with this JSON text, served by node {@code node-1}. */
  static CallHandler replyJson(String json) {
    return reply(request -> CallReply.newBuilder()
        .setPayload(Payload.newBuilder().setData(ByteString.copyFromUtf8(json)))
        .setNodeId("node-1")
        .build());
  }

  /** Answers every call with {@code error} inside the reply (status OK). */
  static CallHandler replyError(Error error) {
    return reply(request -> CallReply.newBuilder().setError(error).build());
  }

  /** Answers with whatever {@code answer} makes of the request. */
  static CallHandler reply(Function<CallRequest, CallReply> answer) {
    return (request, out) -> {
      out.onNext(answer.apply(request));
      out.onCompleted();
    };
  }

  /** Echoes a BINARY payload back reversed, as a function taking and returning byte[] would. */
  static CallHandler reverseBinary() {
    return reply(request -> {
      byte[] in = request.getPayload().getData().toByteArray();
      byte[] out = new byte[in.length];
      for (int i = 0; i < in.length; i++) {
        out[i] = in[in.length - 1 - i];
      }
      return CallReply.newBuilder()
          .setPayload(Payload.newBuilder().setEncoding(Encoding.BINARY).setData(ByteString.copyFrom(out)))
          .setNodeId("node-1")
          .build();
    });
  }

  /** Sums the JSON array of integers it is given. */
  static CallHandler sum() {
    return reply(request -> {
      long total = 0;
      for (JsonNode n : args(request)) {
        total += n.asLong();
      }
      return CallReply.newBuilder()
          .setPayload(Payload.newBuilder().setData(ByteString.copyFromUtf8(Long.toString(total))))
          .setNodeId(request.getNodeId().isEmpty() ? "node-1" : request.getNodeId())
          .build();
    });
  }

  /** Fails the RPC with a gRPC status. */
  static CallHandler fail(Status status) {
    return (request, out) -> out.onError(status.asRuntimeException());
  }

  /** Never answers; the client's deadline or cancellation ends the call. */
  static CallHandler hang() {
    return (request, out) -> { };
  }

  /** Answers the nth call (from 0) with {@code handlers[n]}, and later ones with the last. */
  static CallHandler sequence(CallHandler... handlers) {
    AtomicInteger n = new AtomicInteger();
    return (request, out) -> handlers[Math.min(n.getAndIncrement(), handlers.length - 1)].handle(request, out);
  }

  /** Answers every call with an error of {@code code} (reached_node as given), served by node-1. */
  static CallHandler replyError(ErrorCode code, boolean reachedNode, long retryAfterMs) {
    return replyError(Error.newBuilder().setCode(io.easyremote.protocol.internal.Wire.toWire(code))
        .setMessage(code + " from the fake").setReachedNode(reachedNode).setRetryAfterMs(retryAfterMs).build());
  }

  // ------------------------------------------------------------------ canned streams

  /** Streams the integers 0 .. n-1, then a normal end. */
  static StreamHandler countTo(int n) {
    return (request, out) -> {
      for (int i = 0; i < n; i++) {
        out.item(i);
      }
      out.end();
    };
  }

  /** Streams 0 .. n-1 where n is the first argument, then a normal end. */
  static StreamHandler numbers() {
    return (request, out) -> countTo(args(request).get(0).asInt()).produce(request, out);
  }

  /** Streams 1 .. k, then ends with {@code error}. */
  static StreamHandler itemsThenError(int k, Error error) {
    return (request, out) -> {
      for (int i = 1; i <= k; i++) {
        out.item(i);
      }
      out.fail(error);
    };
  }

  /** Streams 1 .. k, then completes the gRPC stream without an end message. */
  static StreamHandler itemsThenNoEnd(int k) {
    return (request, out) -> {
      for (int i = 1; i <= k; i++) {
        out.item(i);
      }
      out.completeWithoutEnd();
    };
  }

  /** Streams 1 .. k, then fails the gRPC stream with {@code status}. */
  static StreamHandler itemsThenStatus(int k, Status status) {
    return (request, out) -> {
      for (int i = 1; i <= k; i++) {
        out.item(i);
      }
      out.abort(status);
    };
  }

  /** Streams 1 .. k, then produces nothing more until cancelled. */
  static StreamHandler itemsThenHang(int k) {
    return (request, out) -> {
      for (int i = 1; i <= k; i++) {
        out.item(i);
      }
      out.awaitCancel();
    };
  }

  /** One stream on the fake's side: sends items only against the caller's credits. */
  final class FakeStream {
    private final ServerCallStreamObserver<StreamReply> out;
    private final Semaphore available = new Semaphore(0);
    private final CountDownLatch gone = new CountDownLatch(1);
    volatile boolean cancelled;
    private long seq;

    FakeStream(ServerCallStreamObserver<StreamReply> out) {
      this.out = out;
    }

    /** Waits for a credit, then sends {@code value} as JSON; stops quietly (by exception) once cancelled. */
    void item(Object value) throws InterruptedException {
      while (!available.tryAcquire(10, TimeUnit.MILLISECONDS)) {
        if (cancelled) {
          throw new InterruptedException("cancelled by the caller");
        }
      }
      send(value);
    }

    /** Sends {@code value} whether or not the caller granted a credit. */
    void send(Object value) {
      out.onNext(StreamReply.newBuilder().setNodeId("node-1")
          .setItem(StreamItem.newBuilder().setSeq(++seq).setPayload(Payload.newBuilder()
              .setData(ByteString.copyFromUtf8(json(value))))).build());
      produced.incrementAndGet();
    }

    void end() {
      end(seq);
    }

    void end(long count) {
      out.onNext(StreamReply.newBuilder().setNodeId("node-1").setEnd(StreamEnd.newBuilder().setCount(count)).build());
      out.onCompleted();
    }

    void fail(Error error) {
      out.onNext(StreamReply.newBuilder().setEnd(StreamEnd.newBuilder().setCount(seq).setError(error)).build());
      out.onCompleted();
    }

    void completeWithoutEnd() {
      out.onCompleted();
    }

    void abort(Status status) {
      out.onError(status.asRuntimeException());
    }

    void grant(int n) {
      available.release(n);
    }

    /** The caller cancelled the stream, or it broke. */
    void cancel() {
      cancelled = true;
      gone.countDown();
    }

    /** Produces nothing more until the caller cancels (or the fake shuts down). */
    void awaitCancel() throws InterruptedException {
      gone.await();
    }
  }

  static JsonNode args(CallRequest request) {
    try {
      return Json.mapper().readTree(request.getPayload().getData().toByteArray());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  static String json(Object value) {
    try {
      return Json.mapper().writeValueAsString(value);
    } catch (JsonProcessingException e) {
      throw new UncheckedIOException(e);
    }
  }

  private final class Service extends GatewayGrpc.GatewayImplBase {
    @Override
    public void call(CallRequest request, StreamObserver<CallReply> responses) {
      ServerCallStreamObserver<CallReply> out = (ServerCallStreamObserver<CallReply>) responses;
      out.setOnCancelHandler(cancelled::incrementAndGet);
      Deadline deadline = Context.current().getDeadline();
      deadlinesMillis.add(deadline == null ? -1 : deadline.timeRemaining(TimeUnit.MILLISECONDS));
      arrivalNanos.add(System.nanoTime());
      requests.add(request);
      onCall.handle(request, out);
    }

    @Override
    public StreamObserver<StreamRequest> callStream(StreamObserver<StreamReply> responses) {
      ServerCallStreamObserver<StreamReply> out = (ServerCallStreamObserver<StreamReply>) responses;
      FakeStream stream = new FakeStream(out);
      out.setOnCancelHandler(() -> {
        stream.cancel();
        streamsCancelled.incrementAndGet();
      });
      Deadline deadline = Context.current().getDeadline();
      return new StreamObserver<>() {
        private boolean started;

        @Override
        public void onNext(StreamRequest request) {
          if (request.hasCall() && !started) {
            started = true;
            deadlinesMillis.add(deadline == null ? -1 : deadline.timeRemaining(TimeUnit.MILLISECONDS));
            streamRequests.add(request.getCall());
            stream.grant(request.getCall().getStreamCredits());
            StreamHandler handler = onStream;
            Thread producer = new Thread(() -> {
              try {
                handler.produce(request.getCall(), stream);
              } catch (InterruptedException | RuntimeException e) {
                // cancelled by the caller, or the call is gone
              }
            }, "fake-stream-producer");
            producer.setDaemon(true);
            producer.start();
          } else if (request.getKindCase() == StreamRequest.KindCase.CREDIT) {
            credits.add(request.getCredit());
            stream.grant(request.getCredit());
          }
        }

        @Override
        public void onError(Throwable t) {
          stream.cancel();
        }

        @Override
        public void onCompleted() {}
      };
    }

    @Override
    public void listNodes(ListNodesRequest request, StreamObserver<ListNodesReply> responses) {
      responses.onNext(ListNodesReply.newBuilder().addAllNodes(nodes).build());
      responses.onCompleted();
    }

    @Override
    public void drainNode(DrainNodeRequest request, StreamObserver<DrainNodeReply> responses) {
      drains.add(request);
      for (NodeInfo node : nodes) {
        if (node.getNodeId().equals(request.getNodeId())) {
          responses.onNext(DrainNodeReply.newBuilder().setInFlight(node.getInFlight()).build());
          responses.onCompleted();
          return;
        }
      }
      responses.onError(Status.NOT_FOUND.withDescription("No node '" + request.getNodeId() + "' is connected.")
          .asRuntimeException());
    }

    @Override
    public void getNode(GetNodeRequest request, StreamObserver<NodeInfo> responses) {
      for (NodeInfo node : nodes) {
        if (node.getNodeId().equals(request.getNodeId())) {
          responses.onNext(node);
          responses.onCompleted();
          return;
        }
      }
      responses.onError(Status.NOT_FOUND.withDescription("No node '" + request.getNodeId() + "' is connected.")
          .asRuntimeException());
    }

    @Override
    public void listFunctions(ListFunctionsRequest request, StreamObserver<ListFunctionsReply> responses) {
      listFunctionsCalls.incrementAndGet();
      responses.onNext(functions);
      responses.onCompleted();
    }
  }
}
