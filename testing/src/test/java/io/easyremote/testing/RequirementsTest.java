package io.easyremote.testing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.easyremote.client.CallOptions;
import io.easyremote.client.Client;
import io.easyremote.protocol.ErrorCode;
import io.easyremote.protocol.RemoteException;
import io.easyremote.protocol.Strategy;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Calls that require labels, and cost-aware routing under a cost limit. */
class RequirementsTest {
  private final SampleFunctions cheap = new SampleFunctions("cheap");

  @RegisterExtension
  final TestCluster cluster = TestCluster.builder()
      .node("gpu-box", n -> n.register(new SampleFunctions("gpu-box")).label("gpu", "rtx4090").cost(5))
      .node("cheap", n -> n.register(cheap).maxConcurrency(1).cost(1))
      .node("middle", n -> n.register(new SampleFunctions("middle")).cost(2))
      .build();

  @Test
  void labelRequirement_routesOnlyToNodesWithTheLabel() {
    Client gpu = cluster.client().withOptions(CallOptions.builder().require("gpu", "*").build());
    for (int i = 0; i < 20; i++) {
      assertThat(gpu.call("whoami", String.class)).isEqualTo("gpu-box");
    }
    assertThat(cluster.client().withOptions(CallOptions.builder().require("gpu", "rtx4090").build()).call("whoami", String.class))
        .isEqualTo("gpu-box");
  }

  @Test
  void unsatisfiableRequirement_failsAtOnceSayingWhy() {
    Client impossible = cluster.client().withOptions(CallOptions.builder().require("gpu", "a100").build());
    long start = System.nanoTime();
    assertThatThrownBy(() -> impossible.call("whoami", String.class)).isInstanceOfSatisfying(RemoteException.class, e -> {
      assertThat(e.code()).isEqualTo(ErrorCode.NO_NODE_AVAILABLE);
      assertThat(e.getMessage()).contains("gpu-box (gpu=rtx4090, not a100)").contains("cheap (no label gpu)");
    });
    assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start)).isLessThan(1000);
  }

  @Test
  void costAware_picksTheCheapestFreeNode_andNeverOneAboveTheLimit() throws Exception {
    Client thrifty = cluster.client().withOptions(CallOptions.builder().strategy(Strategy.COST_AWARE).maxCost(3).build());
    for (int i = 0; i < 10; i++) {
      assertThat(thrifty.call("whoami", String.class)).isEqualTo("cheap");
    }
    CompletableFuture<String> busy = thrifty.callAsync("await", String.class); // takes cheap's only slot
    Awaitility.await().atMost(Duration.ofSeconds(5)).until(() -> cluster.gateway().inFlightCalls() == 1);
    for (int i = 0; i < 10; i++) {
      assertThat(thrifty.call("whoami", String.class)).isEqualTo("middle");
    }
    cheap.gate.countDown();
    assertThat(busy.get(5, TimeUnit.SECONDS)).isEqualTo("cheap");
  }
}
