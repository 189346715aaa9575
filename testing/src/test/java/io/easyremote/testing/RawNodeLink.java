package io.easyremote.testing;

import static org.assertj.core.api.Assertions.assertThat;

import io.easyremote.protocol.wire.Error;
import io.easyremote.protocol.wire.GatewayFrame;
import io.easyremote.protocol.wire.NodeFrame;
import io.easyremote.protocol.wire.NodeLinkGrpc;
import io.grpc.ManagedChannel;
import io.grpc.stub.StreamObserver;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * A node link spoken by hand, for tests of what the gateway makes of what a node sends: the test
 * writes frames to {@link #out}, and every message the gateway sends is kept as sent (a batch stays
 * one message) in {@link #received}.
 */
final class RawNodeLink implements StreamObserver<GatewayFrame> {
  final LinkedBlockingQueue<GatewayFrame> received = new LinkedBlockingQueue<>();
  /** Completes when the gateway ends the stream, with a status or without. */
  final CompletableFuture<Void> ended = new CompletableFuture<>();
  final StreamObserver<NodeFrame> out;

  /** Opens a link on {@code channel}; it has said nothing yet. */
  RawNodeLink(ManagedChannel channel) {
    out = NodeLinkGrpc.newStub(channel).connect(this);
  }

  @Override
  public void onNext(GatewayFrame frame) {
    received.add(frame);
  }

  @Override
  public void onError(Throwable t) {
    ended.complete(null);
  }

  @Override
  public void onCompleted() {
    ended.complete(null);
  }

  /** The next message from the gateway, within 5 s. */
  GatewayFrame next() throws InterruptedException {
    GatewayFrame frame = received.poll(5, TimeUnit.SECONDS);
    assertThat(frame).as("a frame from the gateway").isNotNull();
    return frame;
  }

  /** The gateway's answer to a Hello, which must be a rejection. */
  Error rejection() throws InterruptedException {
    GatewayFrame frame = next();
    assertThat(frame.hasRejected()).as("rejected: " + frame).isTrue();
    return frame.getRejected().getError();
  }
}
