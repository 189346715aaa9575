package io.easyremote.gateway.internal.grpc;

import static org.awaitility.Awaitility.await;

import io.easyremote.gateway.Gateway;
import io.easyremote.protocol.wire.FunctionSpec;
import io.easyremote.protocol.wire.GatewayFrame;
import io.easyremote.protocol.wire.Hello;
import io.easyremote.protocol.wire.Invoke;
import io.easyremote.protocol.wire.NodeFrame;
import io.easyremote.protocol.wire.NodeLinkGrpc;
import io.grpc.stub.StreamObserver;
import java.time.Duration;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * A node link driven by hand, frame by frame, so a test can send what a real node never would.
 * The gateway's frames are kept in order (a batch's frames one by one).
 */
final class RawNode extends RawStream<GatewayFrame> {
  final LinkedBlockingQueue<GatewayFrame> received = new LinkedBlockingQueue<>();
  final StreamObserver<NodeFrame> out;

  /** Connects and registers as node {@code nodeId} with one slot per call of {@code slots}, waiting until the gateway lists it. */
  RawNode(Gateway gateway, String nodeId, int slots, boolean parts, String... functions) {
    out = stub(gateway, NodeLinkGrpc.NodeLinkStub.class).connect(this);
    Hello.Builder hello = Hello.newBuilder().setNodeId(nodeId).setMaxConcurrency(slots).setParts(parts);
    for (String function : functions) {
      hello.addFunctions(FunctionSpec.newBuilder().setName(function));
    }
    out.onNext(NodeFrame.newBuilder().setHello(hello).build());
    await("node " + nodeId + " registered").atMost(Duration.ofSeconds(5)).until(() -> gateway.nodes().stream().anyMatch(n -> n.id().equals(nodeId)));
  }

  /** The next Invoke the gateway sends (other frames are skipped), waiting at most five seconds. */
  Invoke nextInvoke() throws InterruptedException {
    long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
    for (GatewayFrame f; (f = received.poll(end - System.nanoTime(), TimeUnit.NANOSECONDS)) != null; ) {
      if (f.hasInvoke()) {
        return f.getInvoke();
      }
    }
    throw new AssertionError("No Invoke within 5 s");
  }

  @Override
  public void onNext(GatewayFrame frame) {
    if (frame.hasBatch()) {
      received.addAll(frame.getBatch().getFramesList());
    } else {
      received.add(frame);
    }
  }
}
