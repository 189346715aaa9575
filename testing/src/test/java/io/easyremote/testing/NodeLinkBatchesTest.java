package io.easyremote.testing;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import io.easyremote.protocol.ErrorCode;
import io.easyremote.protocol.internal.Wire;
import io.easyremote.protocol.wire.FunctionSpec;
import io.easyremote.protocol.wire.GatewayFrame;
import io.easyremote.protocol.wire.Hello;
import io.easyremote.protocol.wire.Invoke;
import io.easyremote.protocol.wire.NodeFrame;
import io.easyremote.protocol.wire.NodeFrames;
import io.easyremote.protocol.wire.NodeLinkGrpc;
import io.easyremote.protocol.wire.Payload;
import io.easyremote.protocol.wire.Result;
import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import io.grpc.stub.StreamObserver;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Issue 16: frames written together on a node link go as one batch frame, in both directions, to
 * a peer that said it reads them, and never to one that did not. Raw node links on a real gateway,
 * so that what crosses the wire is what the test sees.
 */
class NodeLinkBatchesTest {
  private static final int QUEUED = 20;

  @RegisterExtension
  final TestCluster cluster = TestCluster.builder().build();

  private final List<ManagedChannel> channels = new ArrayList<>();

  @AfterEach
  void closeChannels() throws InterruptedException {
    for (ManagedChannel channel : channels) {
      channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    }
  }

  /** A raw node link: every message the gateway sends, as sent (a batch stays one message). */
  private final class RawLink implements StreamObserver<GatewayFrame> {
    final LinkedBlockingQueue<GatewayFrame> received = new LinkedBlockingQueue<>();
    final StreamObserver<NodeFrame> out;

    /** A link that has said nothing yet. */
    RawLink() {
      ManagedChannel channel = ManagedChannelBuilder.forTarget(cluster.address()).usePlaintext().build();
      channels.add(channel);
      out = NodeLinkGrpc.newStub(channel).connect(this);
    }

    /** A link that has said Hello. */
    RawLink(String nodeId, int maxConcurrency, boolean batches) {
      this();
      out.onNext(NodeFrame.newBuilder().setHello(Hello.newBuilder().setNodeId(nodeId).setMaxConcurrency(maxConcurrency)
          .setBatches(batches).addFunctions(FunctionSpec.newBuilder().setName("f"))).build());
    }

    @Override
    public void onNext(GatewayFrame frame) {
      received.add(frame);
    }

    @Override
    public void onError(Throwable t) { }

    @Override
    public void onCompleted() { }

    GatewayFrame next() throws InterruptedException {
      GatewayFrame frame = received.poll(5, TimeUnit.SECONDS);
      assertThat(frame).as("a frame from the gateway").isNotNull();
      return frame;
    }

    /** The Invokes among the next messages, batches opened, until {@code count} have come. */
    List<Invoke> invokes(int count, List<GatewayFrame> messages) throws InterruptedException {
      List<Invoke> invokes = new ArrayList<>();
      while (invokes.size() < count) {
        GatewayFrame message = next();
        messages.add(message);
        List<GatewayFrame> frames = message.hasBatch() ? message.getBatch().getFramesList() : List.of(message);
        frames.stream().filter(GatewayFrame::hasInvoke).forEach(f -> invokes.add(f.getInvoke()));
      }
      return invokes;
    }
  }

  private static NodeFrame answer(Invoke invoke) {
    String json = "\"done-" + invoke.getPayload().getData().toStringUtf8().replaceAll("[^0-9]", "") + "\"";
    return NodeFrame.newBuilder().setResult(Result.newBuilder().setCallId(invoke.getCallId())
        .setPayload(Payload.newBuilder().setData(ByteString.copyFromUtf8(json)))).build();
  }

  /** A node with one slot holds the first call, so the next {@link #QUEUED} wait in the gateway's queue. */
  private List<CompletableFuture<String>> queueCallsBehindABusyNode(RawLink busy) throws InterruptedException {
    assertThat(busy.next().hasWelcome()).isTrue();
    List<CompletableFuture<String>> calls = new ArrayList<>();
    calls.add(cluster.client().callAsync("f", String.class, 0));
    assertThat(busy.invokes(1, new ArrayList<>())).hasSize(1);
    for (int i = 1; i <= QUEUED; i++) {
      calls.add(cluster.client().callAsync("f", String.class, i));
    }
    Awaitility.await().atMost(Duration.ofSeconds(5)).until(() -> cluster.gateway().queuedCalls() == QUEUED);
    return calls;
  }

  @Test
  void aNodeThatReadsBatches_getsQueuedCallsAsOnePack_andItsPackOfResultsCompletesEachCall() throws Exception {
    RawLink busy = new RawLink("busy", 1, false);
    List<CompletableFuture<String>> calls = queueCallsBehindABusyNode(busy);

    RawLink batched = new RawLink("batched", 64, true);
    GatewayFrame first = batched.next();
    assertThat(first.hasBatch()).as("the Welcome and the queued calls, written together: " + first.getKindCase()).isTrue();
    assertThat(first.getBatch().getFrames(0).getWelcome().getBatches()).as("the gateway reads batches too").isTrue();
    List<GatewayFrame> messages = new ArrayList<>(List.of(first));
    List<Invoke> invokes = new ArrayList<>();
    first.getBatch().getFramesList().stream().filter(GatewayFrame::hasInvoke).forEach(f -> invokes.add(f.getInvoke()));
    invokes.addAll(batched.invokes(QUEUED - invokes.size(), messages));
    assertThat(invokes).hasSize(QUEUED);
    assertThat(messages).as("%d calls in %d messages", QUEUED, messages.size()).hasSize(1);

    // All the results in one message: each call completes with its own.
    NodeFrames.Builder results = NodeFrames.newBuilder();
    invokes.forEach(invoke -> results.addFrames(answer(invoke)));
    batched.out.onNext(NodeFrame.newBuilder().setBatch(results).build());
    for (int i = 1; i <= QUEUED; i++) {
      assertThat(calls.get(i).get(5, TimeUnit.SECONDS)).isEqualTo("done-" + i);
    }
    assertThat(cluster.gateway().ignoredFrames()).isZero();
  }

  @Test
  void aNodeThatDoesNotReadBatches_neverGetsOne() throws Exception {
    RawLink busy = new RawLink("busy", 1, false);
    List<CompletableFuture<String>> calls = queueCallsBehindABusyNode(busy);

    RawLink plain = new RawLink("plain", 64, false);
    assertThat(plain.next().hasWelcome()).isTrue();
    List<GatewayFrame> messages = new ArrayList<>();
    List<Invoke> invokes = plain.invokes(QUEUED, messages);
    assertThat(messages).hasSize(QUEUED).noneMatch(GatewayFrame::hasBatch);
    for (Invoke invoke : invokes) {
      plain.out.onNext(answer(invoke));
    }
    for (int i = 1; i <= QUEUED; i++) {
      assertThat(calls.get(i).get(5, TimeUnit.SECONDS)).isEqualTo("done-" + i);
    }
  }

  @Test
  void aBatchInsteadOfAHello_isRefusedByName() throws Exception {
    RawLink stranger = new RawLink();
    // A Hello hidden in a batch does not register anyone.
    stranger.out.onNext(NodeFrame.newBuilder().setBatch(NodeFrames.newBuilder().addFrames(NodeFrame.newBuilder()
        .setHello(Hello.newBuilder().setNodeId("hidden").setMaxConcurrency(1).addFunctions(FunctionSpec.newBuilder().setName("f"))))).build());
    GatewayFrame answer = stranger.next();
    assertThat(answer.hasRejected()).isTrue();
    assertThat(Wire.fromWire(answer.getRejected().getError().getCode())).isEqualTo(ErrorCode.INVALID_REQUEST);
    assertThat(answer.getRejected().getError().getMessage()).contains("must be Hello");
    assertThat(cluster.gateway().nodes()).isEmpty();
  }

  @Test
  void nestedBatchesAndAHelloInABatch_areIgnored_andTheLinkKeepsWorking() throws Exception {
    RawLink node = new RawLink("n", 4, true);
    assertThat(node.next().hasWelcome()).isTrue();
    CompletableFuture<String> call = cluster.client().callAsync("f", String.class, 7);
    Invoke invoke = node.invokes(1, new ArrayList<>()).get(0);

    NodeFrame nested = NodeFrame.newBuilder().setBatch(NodeFrames.newBuilder().addFrames(answer(invoke))).build();
    NodeFrame hello = NodeFrame.newBuilder().setHello(Hello.newBuilder().setNodeId("other").setMaxConcurrency(1)).build();
    node.out.onNext(NodeFrame.newBuilder().setBatch(NodeFrames.newBuilder().addFrames(nested).addFrames(hello)).build());
    Awaitility.await().during(Duration.ofMillis(300)).atMost(Duration.ofSeconds(2)).until(() -> !call.isDone());
    assertThat(cluster.gateway().nodes()).extracting(n -> n.id()).containsExactly("n");

    node.out.onNext(NodeFrame.newBuilder().setBatch(NodeFrames.newBuilder().addFrames(answer(invoke))).build());
    assertThat(call.get(5, TimeUnit.SECONDS)).isEqualTo("done-7");
  }
}
