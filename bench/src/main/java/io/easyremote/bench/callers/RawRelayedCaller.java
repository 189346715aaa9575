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

/**
 * The relayed call without the client library: a plain grpc-java blocking stub sends the same
 * {@code Gateway.Call} request the {@code Client} would ({@code echo} with a JSON argument), so
 * the difference to {@link RelayedCaller} is what the client library itself costs.
 */
public final class RawRelayedCaller implements Caller {
  private final ManagedChannel channel;
  private final GatewayGrpc.GatewayBlockingStub stub;
  private final CallRequest request;
  private final ByteString expected;

  /** Connects to the gateway on {@code port}; each call echoes {@code size} characters. */
  public RawRelayedCaller(int port, int size) {
    String text = Caller.text(size);
    this.channel = NettyChannelBuilder.forAddress("127.0.0.1", port).usePlaintext().build();
    this.stub = GatewayGrpc.newBlockingStub(channel);
    this.request = CallRequest.newBuilder().setFunction("echo")
        .setPayload(Payload.newBuilder().setData(ByteString.copyFrom("[\"" + text + "\"]", StandardCharsets.UTF_8))).build();
    this.expected = ByteString.copyFrom("\"" + text + "\"", StandardCharsets.UTF_8);
  }

  @Override
  public String name() {
    return "relayed, plain gRPC stub";
  }

  @Override
  public void call() {
    CallReply reply = stub.withDeadlineAfter(30, TimeUnit.SECONDS).call(request);
    Caller.check(reply.getPayload().getData().equals(expected), name());
  }

  @Override
  public void close() throws InterruptedException {
    channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
  }
}
