package io.easyremote.node;

import io.easyremote.protocol.wire.GatewayFrame;
import io.easyremote.protocol.wire.NodeFrame;
import io.easyremote.protocol.wire.NodeLinkGrpc;
import io.easyremote.protocol.wire.Welcome;
import io.grpc.Server;
import io.grpc.Status;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.stub.StreamObserver;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * A scriptable stand-in for the gateway's {@code NodeLink} service, served by grpc-java on
 * 127.0.0.1 and an ephemeral port: it welcomes every Hello and hands each welcomed stream to the
 * test, which sends frames down it, reads what the node answers, and breaks it at will.
 */
final class FakeNodeGateway implements AutoCloseable {
  private final BlockingQueue<Link> links = new LinkedBlockingQueue<>();
  private final Server server;
  private final Welcome welcome;

  private FakeNodeGateway(Welcome welcome) {
    this.welcome = welcome;
    server = NettyServerBuilder.forAddress(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0))
        .addService(new NodeLinkGrpc.NodeLinkImplBase() {
          @Override
          public StreamObserver<NodeFrame> connect(StreamObserver<GatewayFrame> out) {
            return new Link(out);
          }
        })
        .build();
  }

  static FakeNodeGateway start() {
    return start(Welcome.newBuilder().setSessionId("s").setHeartbeatIntervalMs(1000).build());
  }

  /** A fake that answers every Hello with {@code welcome} (to say, e.g., that it reads batches). */
  static FakeNodeGateway start(Welcome welcome) {
    FakeNodeGateway fake = new FakeNodeGateway(welcome);
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

  /** The next stream a node opened and was welcomed on, waiting up to {@code timeout}. */
  Link nextLink(Duration timeout) throws InterruptedException {
    Link link = links.poll(timeout.toMillis(), TimeUnit.MILLISECONDS);
    if (link == null) {
      throw new AssertionError("no node connected within " + timeout);
    }
    return link;
  }

  @Override
  public void close() throws InterruptedException {
    server.shutdownNow();
    server.awaitTermination(5, TimeUnit.SECONDS);
  }

  /** One node's stream, as the gateway sees it. */
  final class Link implements StreamObserver<NodeFrame> {
    private final StreamObserver<GatewayFrame> out;
    /** Every frame the node sent, in order. */
    final List<NodeFrame> received = new CopyOnWriteArrayList<>();
    private boolean done;

    Link(StreamObserver<GatewayFrame> out) {
      this.out = out;
    }

    /** Sends a frame to the node; false once the stream is over. */
    synchronized boolean send(GatewayFrame frame) {
      if (done) {
        return false;
      }
      out.onNext(frame);
      return true;
    }

    /** Breaks the stream from the gateway's side, as a crashed or unreachable gateway would. */
    synchronized void breakStream() {
      if (!done) {
        done = true;
        out.onError(Status.UNAVAILABLE.withDescription("fake gateway broke the stream").asRuntimeException());
      }
    }

    @Override
    public void onNext(NodeFrame frame) {
      received.add(frame);
      if (frame.hasHello()) {
        send(GatewayFrame.newBuilder().setWelcome(welcome).build());
        links.add(this);
      }
    }

    @Override
    public synchronized void onError(Throwable t) {
      done = true;
    }

    @Override
    public synchronized void onCompleted() {
      if (!done) {
        done = true;
        out.onCompleted();
      }
    }
  }
}
