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
import io.easyremote.protocol.wire.Payload;
import io.easyremote.protocol.wire.Result;
import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
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

  private ManagedChannel channel;

  @BeforeEach
  void openChannel() {
    channel = ManagedChannelBuilder.forTarget(cluster.address()).usePlaintext().build();
  }

  @AfterEach
  void closeChannel() throws InterruptedException {
    channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
  }

  /** A link that has said Hello, offering function {@code f}. */
  private RawNodeLink node(String nodeId, int maxConcurrency, boolean batches) {
    RawNodeLink link = new RawNodeLink(channel);
    link.out.onNext(NodeFrame.newBuilder().setHello(Hello.newBuilder().setNodeId(nodeId).setMaxConcurrency(maxConcurrency)
        .setBatches(batches).addFunctions(FunctionSpec.newBuilder().setName("f"))).build());
    return link;
  }

  /** The Invokes among the link's next messages, batches opened, until {@code count} have come; the messages go to {@code messages}. */
  private static List<Invoke> invokes(RawNodeLink link, int count, List<GatewayFrame> messages) throws InterruptedException {
    List<Invoke> invokes = new ArrayList<>();
    while (invokes.size() < count) {
      GatewayFrame message = link.next();
      messages.add(message);
      List<GatewayFrame> frames = message.hasBatch() ? message.getBatch().getFramesList() : List.of(message);
      frames.stream().filter(GatewayFrame::hasInvoke).forEach(f -> invokes.add(f.getInvoke()));
    }
    return invokes;
  }

  private static NodeFrame answer(Invoke invoke) {
    String json = "\"done-" + invoke.getPayload().getData().toStringUtf8().replaceAll("[^0-9]", "") + "\"";
    return NodeFrame.newBuilder().setResult(Result.newBuilder().setCallId(invoke.getCallId())
        .setPayload(Payload.newBuilder().setData(ByteString.copyFromUtf8(json)))).build();
  }

  /** A node with one slot holds the first call, so the next {@link #QUEUED} wait in the gateway's queue. */
  private List<CompletableFuture<String>> queueCallsBehindABusyNode(RawNodeLink busy) throws InterruptedException {
    assertThat(busy.next().hasWelcome()).isTrue();
    List<CompletableFuture<String>> calls = new ArrayList<>();
    calls.add(cluster.client().callAsync("f", String.class, 0));
    assertThat(invokes(busy, 1, new ArrayList<>())).hasSize(1);
    for (int i = 1; i <= QUEUED; i++) {
      calls.add(cluster.client().callAsync("f", String.class, i));
    }
    Awaitility.await().atMost(Duration.ofSeconds(5)).until(() -> cluster.gateway().queuedCalls() == QUEUED);
    return calls;
  }

  @Test
  void aNodeThatReadsBatches_getsQueuedCallsAsOnePack_andItsPackOfResultsCompletesEachCall() throws Exception {
    RawNodeLink busy = node("busy", 1, false);
    List<CompletableFuture<String>> calls = queueCallsBehindABusyNode(busy);

    RawNodeLink batched = node("batched", 64, true);
    GatewayFrame first = batched.next();
    assertThat(first.hasBatch()).as("the Welcome and the queued calls, written together: " + first.getKindCase()).isTrue();
    assertThat(first.getBatch().getFrames(0).getWelcome().getBatches()).as("the gateway reads batches too").isTrue();
    List<GatewayFrame> messages = new ArrayList<>(List.of(first));
    List<Invoke> dispatched = new ArrayList<>();
    first.getBatch().getFramesList().stream().filter(GatewayFrame::hasInvoke).forEach(f -> dispatched.add(f.getInvoke()));
    dispatched.addAll(invokes(batched, QUEUED - dispatched.size(), messages));
    assertThat(dispatched).hasSize(QUEUED);
    assertThat(messages).as("%d calls in %d messages", QUEUED, messages.size()).hasSize(1);

    // All the results in one message: each call completes with its own.
    NodeFrames.Builder results = NodeFrames.newBuilder();
    dispatched.forEach(invoke -> results.addFrames(answer(invoke)));
    batched.out.onNext(NodeFrame.newBuilder().setBatch(results).build());
    for (int i = 1; i <= QUEUED; i++) {
      assertThat(calls.get(i).get(5, TimeUnit.SECONDS)).isEqualTo("done-" + i);
    }
    assertThat(cluster.gateway().ignoredFrames()).isZero();
  }

  @Test
  void aNodeThatDoesNotReadBatches_neverGetsOne() throws Exception {
    RawNodeLink busy = node("busy", 1, false);
    List<CompletableFuture<String>> calls = queueCallsBehindABusyNode(busy);

    RawNodeLink plain = node("plain", 64, false);
    assertThat(plain.next().hasWelcome()).isTrue();
    List<GatewayFrame> messages = new ArrayList<>();
    List<Invoke> dispatched = invokes(plain, QUEUED, messages);
    assertThat(messages).hasSize(QUEUED).noneMatch(GatewayFrame::hasBatch);
    for (Invoke invoke : dispatched) {
      plain.out.onNext(answer(invoke));
    }
    for (int i = 1; i <= QUEUED; i++) {
      assertThat(calls.get(i).get(5, TimeUnit.SECONDS)).isEqualTo("done-" + i);
    }
  }

  @Test
  void aBatchInsteadOfAHello_isRefusedByName() throws Exception {
    RawNodeLink stranger = new RawNodeLink(channel);
    // A Hello hidden in a batch does not register anyone.
    stranger.out.onNext(NodeFrame.newBuilder().setBatch(NodeFrames.newBuilder().addFrames(NodeFrame.newBuilder()
        .setHello(Hello.newBuilder().setNodeId("hidden").setMaxConcurrency(1).addFunctions(FunctionSpec.newBuilder().setName("f"))))).build());
    io.easyremote.protocol.wire.Error refusal = stranger.rejection();
    assertThat(Wire.fromWire(refusal.getCode())).isEqualTo(ErrorCode.INVALID_REQUEST);
    assertThat(refusal.getMessage()).contains("must be Hello");
    assertThat(cluster.gateway().nodes()).isEmpty();
  }

  @Test
  void nestedBatchesAndAHelloInABatch_areIgnored_andTheLinkKeepsWorking() throws Exception {
    RawNodeLink link = node("n", 4, true);
    assertThat(link.next().hasWelcome()).isTrue();
    CompletableFuture<String> call = cluster.client().callAsync("f", String.class, 7);
    Invoke invoke = invokes(link, 1, new ArrayList<>()).get(0);

    NodeFrame nested = NodeFrame.newBuilder().setBatch(NodeFrames.newBuilder().addFrames(answer(invoke))).build();
    NodeFrame hello = NodeFrame.newBuilder().setHello(Hello.newBuilder().setNodeId("other").setMaxConcurrency(1)).build();
    link.out.onNext(NodeFrame.newBuilder().setBatch(NodeFrames.newBuilder().addFrames(nested).addFrames(hello)).build());
    Awaitility.await().during(Duration.ofMillis(300)).atMost(Duration.ofSeconds(2)).until(() -> !call.isDone());
    assertThat(cluster.gateway().nodes()).extracting(n -> n.id()).containsExactly("n");

    link.out.onNext(NodeFrame.newBuilder().setBatch(NodeFrames.newBuilder().addFrames(answer(invoke))).build());
    assertThat(call.get(5, TimeUnit.SECONDS)).isEqualTo("done-7");
  }
}
