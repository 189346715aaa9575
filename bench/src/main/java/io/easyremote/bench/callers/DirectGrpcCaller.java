package io.easyremote.bench.callers;

import com.google.protobuf.ByteString;
import io.easyremote.protocol.wire.CallReply;
import io.easyremote.protocol.wire.CallRequest;
import io.easyremote.protocol.wire.GatewayGrpc;
import io.easyremote.protocol.wire.Payload;
import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import java.util.concurrent.TimeUnit;

/** The one-hop floor: a unary gRPC call straight to the echo server process, no gateway between. */
public final class DirectGrpcCaller implements Caller {
  private final ManagedChannel channel;
  private final GatewayGrpc.GatewayBlockingStub stub;
  private final CallRequest request;

  /** Connects to the echo server on {@code port}; each call sends {@code size} bytes. */
  public DirectGrpcCaller(int port, int size) {
    this.channel = NettyChannelBuilder.forAddress("127.0.0.1", port).usePlaintext().maxInboundMessageSize(64 << 20).build();
    this.stub = GatewayGrpc.newBlockingStub(channel);
    this.request = CallRequest.newBuilder().setFunction("echo")
        .setPayload(Payload.newBuilder().setData(ByteString.copyFrom(Caller.bytes(size)))).build();
  }

  @Override
  public String name() {
    return "direct gRPC";
  }

  @Override
  public void call() {
    CallReply reply = stub.withDeadlineAfter(30, TimeUnit.SECONDS).call(request);
    Caller.check(reply.getPayload().getData().size() == request.getPayload().getData().size(), name());
  }

  @Override
  public void close() throws InterruptedException {
    channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
  }
}
