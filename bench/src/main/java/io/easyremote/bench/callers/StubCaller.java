package io.easyremote.bench.callers;

import com.google.protobuf.ByteString;
import io.easyremote.protocol.wire.CallReply;
import io.easyremote.protocol.wire.CallRequest;
import io.easyremote.protocol.wire.GatewayGrpc;
import io.easyremote.protocol.wire.Payload;
import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

/**
 * A plain grpc-java blocking stub that sends one fixed {@code Gateway.Call} request and checks
 * each reply: to the echo server (the one-hop floor) or through the gateway without the client
 * library.
 */
public final class StubCaller implements Caller {
  private final String name;
  private final ManagedChannel channel;
  private final GatewayGrpc.GatewayBlockingStub stub;
  private final CallRequest request;
  private final Predicate<ByteString> isExpected;

  private StubCaller(String name, int port, CallRequest request, Predicate<ByteString> isExpected) {
    this.name = name;
    this.channel = NettyChannelBuilder.forAddress("127.0.0.1", port).usePlaintext().maxInboundMessageSize(64 << 20).build();
    this.stub = GatewayGrpc.newBlockingStub(channel);
    this.request = request;
    this.isExpected = isExpected;
  }

  /** The one-hop floor: {@code size} raw bytes straight to the echo server on {@code port}, no gateway between. */
  public static StubCaller direct(int port, int size) {
    CallRequest request = echo(ByteString.copyFrom(Caller.bytes(size)));
    int sent = request.getPayload().getData().size();
    return new StubCaller("direct gRPC", port, request, data -> data.size() == sent);
  }

  /**
   * The relayed call without the client library: the request the {@code Client} would send
   * ({@code echo} with a JSON argument of {@code size} characters) to the gateway on {@code port},
   * so the difference to {@link RelayedCaller} is what the client library itself costs.
   */
  public static StubCaller relayed(int port, int size) {
    String text = Caller.text(size);
    ByteString expected = ByteString.copyFrom("\"" + text + "\"", StandardCharsets.UTF_8);
    return new StubCaller("relayed, plain gRPC stub", port, echo(ByteString.copyFrom("[\"" + text + "\"]", StandardCharsets.UTF_8)),
        expected::equals);
  }

  private static CallRequest echo(ByteString data) {
    return CallRequest.newBuilder().setFunction("echo").setPayload(Payload.newBuilder().setData(data)).build();
  }

  @Override
  public String name() {
    return name;
  }

  @Override
  public void call() {
    CallReply reply = stub.withDeadlineAfter(30, TimeUnit.SECONDS).call(request);
    Caller.check(isExpected.test(reply.getPayload().getData()), name);
  }

  @Override
  public void close() throws InterruptedException {
    channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
  }
}
