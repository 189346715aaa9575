package io.easyremote.client;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.google.protobuf.ByteString;
import io.easyremote.protocol.internal.Json;
import io.easyremote.protocol.wire.CallReply;
import io.easyremote.protocol.wire.CallRequest;
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
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;

/**
 * A scriptable stand-in for the gateway's caller-facing gRPC service, served by grpc-java on
 * 127.0.0.1 and an ephemeral port. Records what it receives; each test sets {@link #onCall}.
 */
final class FakeGateway implements AutoCloseable {
  /** How the fake answers one {@code Call}. */
  @FunctionalInterface
  interface CallHandler {
    void handle(CallRequest request, ServerCallStreamObserver<CallReply> out);
  }

  final List<CallRequest> requests = new CopyOnWriteArrayList<>();
  final List<Metadata> headers = new CopyOnWriteArrayList<>();
  /** Remaining deadline in milliseconds as each call arrived, -1 for none. */
  final List<Long> deadlinesMillis = new CopyOnWriteArrayList<>();
  final AtomicInteger cancelled = new AtomicInteger();
  final AtomicInteger transports = new AtomicInteger();

  volatile CallHandler onCall = replyValue(null);
  volatile List<NodeInfo> nodes = List.of();
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
      requests.add(request);
      onCall.handle(request, out);
    }

    @Override
    public void listNodes(ListNodesRequest request, StreamObserver<ListNodesReply> responses) {
      responses.onNext(ListNodesReply.newBuilder().addAllNodes(nodes).build());
      responses.onCompleted();
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
      responses.onNext(functions);
      responses.onCompleted();
    }
  }
}
