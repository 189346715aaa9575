package io.easyremote.bench.child;

import io.easyremote.protocol.wire.CallReply;
import io.easyremote.protocol.wire.CallRequest;
import io.easyremote.protocol.wire.GatewayGrpc;
import io.grpc.Server;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.stub.StreamObserver;
import java.net.InetSocketAddress;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * The one-hop floor: a plain grpc-java server whose unary {@code Gateway.Call} answers the request's
 * payload unchanged, so the direct baseline sends the same messages as a relayed call, minus the relay.
 */
final class EchoServerRole implements ChildRole {
  private Server server;

  EchoServerRole(String[] args) {}

  @Override
  public Map<String, String> start() throws Exception {
    server = NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", 0))
        .maxInboundMessageSize(64 << 20)
        .addService(new GatewayGrpc.GatewayImplBase() {
          @Override
          public void call(CallRequest request, StreamObserver<CallReply> reply) {
            reply.onNext(CallReply.newBuilder().setPayload(request.getPayload()).setNodeId("echo").build());
            reply.onCompleted();
          }
        })
        .build()
        .start();
    return Map.of("port", Integer.toString(server.getPort()));
  }

  @Override
  public void close() throws InterruptedException {
    server.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
  }
}
