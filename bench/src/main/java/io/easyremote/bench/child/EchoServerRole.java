package io.easyremote.bench.child;

import com.google.protobuf.ByteString;
import io.easyremote.protocol.wire.CallReply;
import io.easyremote.protocol.wire.CallRequest;
import io.easyremote.protocol.wire.Encoding;
import io.easyremote.protocol.wire.GatewayGrpc;
import io.easyremote.protocol.wire.Payload;
import io.easyremote.protocol.wire.StreamEnd;
import io.easyremote.protocol.wire.StreamItem;
import io.easyremote.protocol.wire.StreamReply;
import io.easyremote.protocol.wire.StreamRequest;
import io.grpc.Server;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
import java.net.InetSocketAddress;
import java.util.Iterator;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * The one-hop floor: a plain grpc-java server whose unary {@code Gateway.Call} answers the request's
 * payload unchanged, so the direct baseline sends the same messages as a relayed call, minus the relay.
 * Its {@code Gateway.CallStream} is the streaming floor: for a call whose JSON arguments are
 * {@code [count, size]} it sends {@code count} items of {@code size} raw bytes, paced by gRPC's own
 * flow control ({@code isReady}), then the end; the same messages a gateway sends, minus the relay.
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

          @Override
          public StreamObserver<StreamRequest> callStream(StreamObserver<StreamReply> reply) {
            return new ItemStream((ServerCallStreamObserver<StreamReply>) reply);
          }
        })
        .build()
        .start();
    return Map.of("port", Integer.toString(server.getPort()));
  }

  /** Sends the items of one {@code CallStream} whenever the transport is ready for more. */
  private static final class ItemStream implements StreamObserver<StreamRequest> {
    private final ServerCallStreamObserver<StreamReply> out;
    private Iterator<byte[]> items;
    private long sent;
    private boolean done;

    ItemStream(ServerCallStreamObserver<StreamReply> out) {
      this.out = out;
      out.setOnReadyHandler(this::drain);
    }

    @Override
    public void onNext(StreamRequest request) {
      if (request.hasCall() && items == null) {
        String[] args = request.getCall().getPayload().getData().toStringUtf8().replaceAll("[\\[\\] ]", "").split(",");
        items = BenchFunctions.itemStream(Integer.parseInt(args[0]), Integer.parseInt(args[1])).iterator();
        drain();
      }
    }

    /** Called on the transport's thread, serially: on the first request and whenever the transport is ready again. */
    private synchronized void drain() {
      if (items == null || done) {
        return;
      }
      while (out.isReady() && items.hasNext()) {
        Payload payload = Payload.newBuilder().setData(ByteString.copyFrom(items.next())).setEncoding(Encoding.BINARY).build();
        out.onNext(StreamReply.newBuilder().setItem(StreamItem.newBuilder().setSeq(sent++).setPayload(payload)).build());
      }
      if (!items.hasNext()) {
        done = true;
        out.onNext(StreamReply.newBuilder().setEnd(StreamEnd.newBuilder().setCount(sent)).build());
        out.onCompleted();
      }
    }

    @Override
    public void onError(Throwable t) {
      done = true;
    }

    @Override
    public void onCompleted() {
      // a caller that half-closes still receives the whole stream
    }
  }

  @Override
  public void close() throws InterruptedException {
    server.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
  }
}
