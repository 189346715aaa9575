package io.easyremote.testing;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import io.easyremote.client.Client;
import io.easyremote.protocol.ErrorCode;
import io.easyremote.protocol.RemoteException;
import io.easyremote.protocol.internal.Wire;
import io.easyremote.protocol.wire.Error;
import io.easyremote.protocol.wire.FunctionSpec;
import io.easyremote.protocol.wire.GatewayFrame;
import io.easyremote.protocol.wire.Hello;
import io.easyremote.protocol.wire.NodeFrame;
import io.easyremote.protocol.wire.Result;
import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Issue 13, items 3 (gateway side), 7 and 8: what a hostile or broken node link gets. Strangers
 * that never say Hello are timed out and bounded; absurd Hellos are refused by name; a node that
 * answers OVERLOADED although the gateway counted a free slot is treated as a fault.
 */
class NodeLinkLimitsTest {
  @RegisterExtension
  final TestCluster cluster = TestCluster.builder()
      .gateway(g -> g.helloTimeout(Duration.ofSeconds(3)).ejection(3, Duration.ofSeconds(30)))
      .build();

  private final List<ManagedChannel> channels = new ArrayList<>();

  @AfterEach
  void closeChannels() throws InterruptedException {
    for (ManagedChannel channel : channels) {
      channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    }
  }

  private ManagedChannel channel() {
    ManagedChannel channel = ManagedChannelBuilder.forTarget(cluster.address()).usePlaintext().maxInboundMessageSize(32 << 20).build();
    channels.add(channel);
    return channel;
  }

  private static Hello.Builder hello(String id) {
    return Hello.newBuilder().setNodeId(id).setMaxConcurrency(4).addFunctions(FunctionSpec.newBuilder().setName("f").setIdempotent(true));
  }

  @Test
  void strangers_withoutHello_areClosedAfterTheHelloTimeout_andBounded() throws Exception {
    ManagedChannel channel = channel();
    List<RawNodeLink> strangers = new ArrayList<>();
    for (int i = 0; i < 1100; i++) {
      strangers.add(new RawNodeLink(channel));
    }
    // Beyond 1,024 waiting at once, the rest are refused at once with OVERLOADED.
    Awaitility.await().atMost(Duration.ofSeconds(5)).until(() -> strangers.stream().filter(l -> l.received.stream()
        .anyMatch(f -> f.hasRejected() && Wire.fromWire(f.getRejected().getError().getCode()) == ErrorCode.OVERLOADED)).count() >= 76);
    // Everyone else is closed after the Hello timeout with DEADLINE_EXCEEDED.
    Awaitility.await().atMost(Duration.ofSeconds(20)).until(() -> strangers.stream().allMatch(l -> l.ended.isDone()));
    long timedOut = strangers.stream().filter(l -> l.received.stream()
        .anyMatch(f -> f.hasRejected() && Wire.fromWire(f.getRejected().getError().getCode()) == ErrorCode.DEADLINE_EXCEEDED)).count();
    assertThat(timedOut).isGreaterThanOrEqualTo(1000);

    RawNodeLink honest = new RawNodeLink(channel);
    honest.out.onNext(NodeFrame.newBuilder().setHello(hello("honest")).build());
    assertThat(honest.received.poll(5, TimeUnit.SECONDS).hasWelcome()).as("a real node still gets in").isTrue();
    honest.out.onCompleted();
  }

  @Test
  void absurdHellos_areRefusedByName_withoutEchoingThem() throws Exception {
    ManagedChannel channel = channel();
    RawNodeLink huge = new RawNodeLink(channel);
    huge.out.onNext(NodeFrame.newBuilder().setHello(hello("huge")
        .addFunctions(FunctionSpec.newBuilder().setName("g").setResultSchema("x".repeat(5 << 20)))).build());
    assertThat(Wire.fromWire(huge.rejection().getCode())).isEqualTo(ErrorCode.PAYLOAD_TOO_LARGE);

    RawNodeLink labels = new RawNodeLink(channel);
    Hello.Builder many = hello("labelled");
    for (int i = 0; i < 200; i++) {
      many.putLabels("k" + i, "v");
    }
    labels.out.onNext(NodeFrame.newBuilder().setHello(many).build());
    assertThat(labels.rejection().getMessage()).contains("200 labels");

    RawNodeLink longLabel = new RawNodeLink(channel);
    longLabel.out.onNext(NodeFrame.newBuilder().setHello(hello("long").putLabels("gpu", "y".repeat(100_000))).build());
    Error longError = longLabel.rejection();
    assertThat(longError.getMessage()).hasSizeLessThan(300);

    RawNodeLink nan = new RawNodeLink(channel);
    nan.out.onNext(NodeFrame.newBuilder().setHello(hello("nan").setCost(Double.NaN)).build());
    assertThat(nan.rejection().getMessage()).contains("cost");

    RawNodeLink negative = new RawNodeLink(channel);
    negative.out.onNext(NodeFrame.newBuilder().setHello(hello("negative").setCost(-1)).build());
    assertThat(negative.rejection().getMessage()).contains("cost");
    assertThat(cluster.gateway().nodes()).isEmpty();
  }

  @Test
  void hugeRequirementLabel_isRefused_withoutBeingEchoed() {
    cluster.startNode("n1", n -> n.register(new SampleFunctions("n1")));
    try (Client client = Client.builder().gateway(cluster.address()).deadline(Duration.ofSeconds(5))
        .build()) {
      var options = client.options().toBuilder().require("gpu", "z".repeat(1 << 20)).build();
      RemoteException e = org.assertj.core.api.Assertions.catchThrowableOfType(
          () -> client.withOptions(options).call("echo", String.class, "hi"), RemoteException.class);
      assertThat(e.code()).isEqualTo(ErrorCode.INVALID_REQUEST);
      assertThat(e.getMessage()).hasSizeLessThan(300);
    }
  }

  @Test
  void hugeFunctionNameOverRest_getsAJsonError() throws Exception {
    HttpResponse<String> response = Http1.CLIENT.send(HttpRequest.newBuilder(
            URI.create("http://" + cluster.address() + "/api/" + "f".repeat(100_000))).POST(HttpRequest.BodyPublishers.ofString("[]"))
        .timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
    assertThat(response.statusCode()).isBetween(400, 499);
    assertThat(response.headers().firstValue("content-type")).hasValueSatisfying(t -> assertThat(t).contains("json"));
    assertThat(response.body()).contains("\"code\":\"INVALID_REQUEST\"").hasSizeLessThan(400);
  }

  @Test
  void nodeAnsweringOverloadedWithFreeSlots_isAFault_idempotentCallsMoveOn_andItIsEjected() throws Exception {
    cluster.startNode("honest", n -> n.register(Worker.slowedBy(1)));
    ManagedChannel channel = channel();
    RawNodeLink liar = new RawNodeLink(channel);
    liar.out.onNext(NodeFrame.newBuilder().setHello(Hello.newBuilder().setNodeId("liar").setMaxConcurrency(16)
        .addFunctions(FunctionSpec.newBuilder().setName("work").setIdempotent(true))).build());
    assertThat(liar.received.poll(5, TimeUnit.SECONDS).hasWelcome()).isTrue();
    AtomicInteger refused = new AtomicInteger();
    Thread answering = new Thread(() -> {
      try {
        while (!Thread.currentThread().isInterrupted()) {
          GatewayFrame frame = liar.received.take();
          if (frame.hasPing()) { // alive and answering, only lying about its slots
            liar.out.onNext(NodeFrame.newBuilder().setHeartbeat(io.easyremote.protocol.wire.Heartbeat.getDefaultInstance()).build());
          }
          if (frame.hasInvoke()) {
            refused.incrementAndGet();
            liar.out.onNext(NodeFrame.newBuilder().setResult(Result.newBuilder().setCallId(frame.getInvoke().getCallId())
                .setError(Wire.error(ErrorCode.OVERLOADED, "no free slot"))).build());
          }
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    });
    answering.start();
    try {
      for (int i = 0; i < 40; i++) {
        assertThat(cluster.client().withStrategy(io.easyremote.protocol.Strategy.ROUND_ROBIN).callDetailed("work", Integer.class, 1)
            .nodeId()).isEqualTo("honest");
      }
      assertThat(refused.get()).as("the liar got calls until its third refusal ejected it").isEqualTo(3);
      assertThat(cluster.gateway().nodes()).filteredOn(n -> n.id().equals("liar")).singleElement()
          .satisfies(n -> assertThat(n.state()).isEqualTo("EJECTED"));
    } finally {
      answering.interrupt();
      liar.out.onCompleted();
    }
  }
}
