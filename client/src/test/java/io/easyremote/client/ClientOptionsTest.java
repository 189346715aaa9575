package io.easyremote.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.easyremote.protocol.Remote;
import io.easyremote.protocol.Strategy;
import io.easyremote.protocol.wire.CallRequest;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

@ExtendWith(FakeGatewayExtension.class)
class ClientOptionsTest {
  public interface Adder {
    int add(int a, int b);

    @Remote(name = "numbers")
    java.util.stream.Stream<Integer> numbers(int n);
  }

  private static final CallOptions GPU = CallOptions.builder()
      .strategy(Strategy.LEAST_LOADED)
      .require("gpu", "*")
      .require("zone", "eu-1")
      .minMemoryFree(4L << 30)
      .minGpuMemoryFree(8L << 30)
      .maxCost(2.5)
      .node("node-9")
      .deadline(Duration.ofSeconds(3))
      .idempotencyKey("order-42")
      .build();

  private FakeGateway gateway;
  private Client client;

  private static void assertCarriesGpuOptions(CallRequest r) {
    assertThat(r.getStrategy()).isEqualTo("least_loaded");
    assertThat(r.getRequirements().getLabelsMap()).containsEntry("gpu", "*").containsEntry("zone", "eu-1").hasSize(2);
    assertThat(r.getRequirements().getMinMemoryFreeBytes()).isEqualTo(4L << 30);
    assertThat(r.getRequirements().getMinGpuMemoryFreeBytes()).isEqualTo(8L << 30);
    assertThat(r.getRequirements().getMaxCost()).isEqualTo(2.5);
    assertThat(r.getNodeId()).isEqualTo("node-9");
    assertThat(r.getIdempotencyKey()).isEqualTo("order-42");
    assertThat(r.hasRetry()).as("no retry policy, none sent").isFalse();
  }

  @Test
  void withOptions_callAsyncStreamAndProxy_allCarryThem() throws Exception {
    gateway.onCall = FakeGateway.sum();
    gateway.onStream = FakeGateway.numbers();
    Client gpu = client.withOptions(GPU);
    assertThat(gpu.call("add", Integer.class, 1, 2)).isEqualTo(3);
    assertThat(gpu.callAsync("add", Integer.class, 2, 2).get(5, TimeUnit.SECONDS)).isEqualTo(4);
    assertThat(gpu.proxy(Adder.class).add(3, 3)).isEqualTo(6);
    assertThat(gateway.requests).hasSize(3).allSatisfy(ClientOptionsTest::assertCarriesGpuOptions);
    assertThat(gateway.deadlinesMillis).allSatisfy(ms -> assertThat(ms).isBetween(1L, 3_000L));

    try (ResultStream<Integer> items = gpu.stream("numbers", Integer.class, 3)) {
      assertThat(items.stream().toList()).containsExactly(0, 1, 2);
    }
    try (var numbers = gpu.proxy(Adder.class).numbers(2)) {
      assertThat(numbers.toList()).containsExactly(0, 1);
    }
    assertThat(gateway.streamRequests).hasSize(2).allSatisfy(ClientOptionsTest::assertCarriesGpuOptions);
    assertThat(gateway.deadlinesMillis.subList(3, 5)).allSatisfy(ms -> assertThat(ms).isBetween(1L, 3_000L));

    client.call("add", Integer.class, 1, 1);
    assertThat(gateway.lastRequest().getStrategy()).as("the root keeps no options").isEmpty();
    assertThat(gateway.lastRequest().hasRequirements()).isFalse();
    assertThat(gateway.lastRequest().getNodeId()).isEmpty();
    assertThat(gateway.lastRequest().getIdempotencyKey()).isEmpty();
  }

  @Test
  void explicitNode_overridesThePinnedNode() {
    gateway.onCall = FakeGateway.sum();
    client.withOptions(GPU).callNode("node-1", "add", Integer.class, 1, 2);
    assertThat(gateway.lastRequest().getNodeId()).isEqualTo("node-1");
  }

  @Test
  void deadline_ofTheOptionsBecomesTheCopysDeadline_andWithDeadlineOverridesIt() {
    Client gpu = client.withOptions(GPU);
    assertThat(gpu.deadline()).isEqualTo(Duration.ofSeconds(3));
    assertThat(gpu.options()).isEqualTo(GPU);
    Client quicker = gpu.withDeadline(Duration.ofMillis(700));
    assertThat(quicker.deadline()).isEqualTo(Duration.ofMillis(700));
    assertThat(quicker.options().deadline()).isEqualTo(Duration.ofMillis(700));
    assertThat(client.withOptions(CallOptions.builder().require("gpu", "*").build()).deadline())
        .as("no deadline in the options: the client's").isEqualTo(Client.DEFAULT_DEADLINE);
    assertThat(client.options()).isEqualTo(CallOptions.DEFAULT);
  }

  @Test
  void withStrategy_keepsTheOtherOptions() {
    gateway.onCall = FakeGateway.sum();
    Client roundRobin = client.withOptions(GPU).withStrategy(Strategy.ROUND_ROBIN);
    roundRobin.call("add", Integer.class, 1, 2);
    assertThat(gateway.lastRequest().getStrategy()).isEqualTo("round_robin");
    assertThat(gateway.lastRequest().getIdempotencyKey()).isEqualTo("order-42");
    assertThat(roundRobin.options().labels()).containsKeys("gpu", "zone");
    client.withStrategy(Strategy.SMART).withStrategy(null).call("add", Integer.class, 1, 2);
    assertThat(gateway.lastRequest().getStrategy()).isEmpty();
  }

  @Test
  void options_valueSemantics() {
    assertThat(GPU.toBuilder().build()).isEqualTo(GPU).hasSameHashCodeAs(GPU);
    assertThat(GPU.toBuilder().require("zone", "us-2").build().labels()).containsEntry("zone", "us-2");
    assertThat(GPU.labels()).containsEntry("zone", "eu-1");
    assertThat(GPU.toString()).contains("least_loaded").contains("gpu=*").contains("idempotencyKey set")
        .doesNotContain("order-42");
    assertThat(CallOptions.DEFAULT.toString()).isEqualTo("CallOptions{}");
    assertThat(CallOptions.DEFAULT.hasRequirements()).isFalse();
    assertThatThrownBy(() -> GPU.labels().put("x", "y")).isInstanceOf(UnsupportedOperationException.class);
  }

  @Test
  void builder_rejectsBadValuesLoudly() {
    CallOptions.Builder b = CallOptions.builder();
    assertThatThrownBy(() -> b.minMemoryFree(-1)).isInstanceOf(IllegalArgumentException.class)
        .hasMessage("minMemoryFree must be >= 0 bytes: -1");
    assertThatThrownBy(() -> b.minGpuMemoryFree(-5)).isInstanceOf(IllegalArgumentException.class)
        .hasMessage("minGpuMemoryFree must be >= 0 bytes: -5");
    assertThatThrownBy(() -> b.maxCost(-0.5)).isInstanceOf(IllegalArgumentException.class)
        .hasMessage("maxCost must be a finite number >= 0: -0.5");
    assertThatThrownBy(() -> b.maxCost(Double.NaN)).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> b.maxCost(Double.POSITIVE_INFINITY)).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> b.require(" ", "x")).isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith("require: label must be 1 to 128 characters without whitespace");
    assertThatThrownBy(() -> b.require("gpu", "")).isInstanceOf(IllegalArgumentException.class)
        .hasMessage("require: value of label 'gpu' is blank; use \"*\" for any value");
    assertThatThrownBy(() -> b.require(null, "x")).isInstanceOf(NullPointerException.class);
    assertThatThrownBy(() -> b.node("bad node")).isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith("node: node id 'bad node'");
    assertThatThrownBy(() -> b.deadline(Duration.ZERO)).isInstanceOf(IllegalArgumentException.class)
        .hasMessage("deadline must be > 0: PT0S");
    assertThatThrownBy(() -> b.idempotencyKey("")).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> b.idempotencyKey("has space")).isInstanceOf(IllegalArgumentException.class)
        .hasMessageNotContaining("has space");
    assertThatThrownBy(() -> client.withOptions(null)).isInstanceOf(NullPointerException.class);
  }

  @Test
  void streamWindow_outOfRange_rejected() {
    assertThatThrownBy(() -> Client.builder().streamWindow(0)).isInstanceOf(IllegalArgumentException.class)
        .hasMessage("streamWindow must be 1 to 65536: 0");
    assertThatThrownBy(() -> Client.builder().streamWindow(70_000)).isInstanceOf(IllegalArgumentException.class);
    assertThat(client.streamWindow()).isEqualTo(1024);
    assertThat(client.streamWindowBytes()).isEqualTo(4 << 20);
    assertThatThrownBy(() -> Client.builder().streamWindowBytes(0)).isInstanceOf(IllegalArgumentException.class)
        .hasMessage("streamWindowBytes must be at least 1: 0");
  }
}
