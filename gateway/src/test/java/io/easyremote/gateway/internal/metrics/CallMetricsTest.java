package io.easyremote.gateway.internal.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import io.easyremote.gateway.internal.core.CallRecord;
import io.easyremote.protocol.ErrorCode;
import io.easyremote.protocol.wire.FunctionInfo;
import io.easyremote.protocol.wire.FunctionSpec;
import io.easyremote.protocol.wire.Gpu;
import io.easyremote.protocol.wire.NodeInfo;
import io.easyremote.protocol.wire.Resources;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class CallMetricsTest {
  private final AtomicLong clock = new AtomicLong();
  private final CallMetrics metrics = new CallMetrics(clock::get);

  private static NodeInfo node(String id, double cpu, Gpu... gpus) {
    return NodeInfo.newBuilder().setNodeId(id).setState("HEALTHY").setMaxConcurrency(8).setInFlight(3)
        .setResources(Resources.newBuilder().setCpuLoad(cpu).setMemoryFreeBytes(1024).setMemoryTotalBytes(4096).addAllGpus(List.of(gpus)))
        .setLastHeartbeatMs(System.currentTimeMillis()).build();
  }

  private static FunctionInfo function(String name, int queued) {
    return FunctionInfo.newBuilder().setSpec(FunctionSpec.newBuilder().setName(name)).addNodeIds("a").setQueued(queued).build();
  }

  private static CallRecord call(String function, String node, ErrorCode error) {
    return new CallRecord(1, function, node, "c", error, 1_000_000, 3_000_000, false, 0);
  }

  @Test
  void nodeGauges_readLiveFigures_andVanishWhenTheNodeLeaves() {
    metrics.refresh(List.of(node("a", 0.25, Gpu.newBuilder().setName("RTX 4090").setUtilisation(0.5).build()), node("b", 0.75)),
        List.of(function("add", 2)));
    String text = metrics.scrape();
    assertThat(text).contains("easyremote_node_cpu_load{node=\"a\"} 0.25").contains("easyremote_node_cpu_load{node=\"b\"} 0.75")
        .contains("easyremote_node_memory_free_bytes{node=\"a\"} 1024").contains("easyremote_node_in_flight{node=\"a\"} 3")
        .contains("easyremote_node_capacity{node=\"a\"} 8").contains("easyremote_node_healthy{node=\"a\"} 1")
        .contains("easyremote_node_gpu_utilisation{gpu=\"0\",name=\"RTX 4090\",node=\"a\"} 0.5")
        .contains("easyremote_function_queued{function=\"add\"} 2");
    metrics.refresh(List.of(node("a", 0.5)), List.of());
    text = metrics.scrape();
    assertThat(text).contains("easyremote_node_cpu_load{node=\"a\"} 0.5").doesNotContain("node=\"b\"").doesNotContain("gpu=\"0\"")
        .doesNotContain("easyremote_function_queued{");
  }

  @Test
  void callCounters_ofADepartedNode_areKeptForTheRetention_thenRemoved() {
    metrics.refresh(List.of(node("a", 0), node("b", 0)), List.of(function("add", 0)));
    metrics.onCompleted(call("add", "b", null));
    metrics.onCompleted(call("add", "b", ErrorCode.NODE_LOST));
    metrics.refresh(List.of(node("a", 0)), List.of(function("add", 0)));
    String text = metrics.scrape();
    assertThat(text).contains("easyremote_calls_total{fault=\"none\",function=\"add\",node=\"b\",outcome=\"ok\"} 1")
        .contains("easyremote_calls_total{fault=\"node\",function=\"add\",node=\"b\",outcome=\"node_lost\"} 1")
        .contains("easyremote_call_duration_seconds_bucket{function=\"add\",node=\"b\",le=\"0.005\"} 2");
    clock.addAndGet(CallMetrics.DEPARTED_RETENTION.toNanos());
    metrics.refresh(List.of(node("a", 0)), List.of(function("add", 0)));
    assertThat(metrics.scrape()).doesNotContain("node=\"b\"");
  }

  @Test
  void aReconnectingNode_keepsItsCounters() {
    metrics.refresh(List.of(node("a", 0)), List.of());
    metrics.onCompleted(call("add", "a", null));
    metrics.refresh(List.of(), List.of());
    metrics.refresh(List.of(node("a", 0)), List.of());
    clock.addAndGet(CallMetrics.DEPARTED_RETENTION.toNanos() * 2);
    metrics.refresh(List.of(node("a", 0)), List.of());
    assertThat(metrics.scrape()).contains("easyremote_calls_total{fault=\"none\",function=\"add\",node=\"a\",outcome=\"ok\"} 1");
  }

  @Test
  void callsToNamesNoNodeOffers_shareOneSeries() {
    for (int i = 0; i < 50; i++) {
      metrics.onCompleted(call("made-up-" + i, null, ErrorCode.FUNCTION_NOT_FOUND));
    }
    String text = metrics.scrape();
    assertThat(text).contains("easyremote_calls_total{fault=\"caller\",function=\"(unregistered)\",node=\"(none)\",outcome=\"function_not_found\"} 50")
        .doesNotContain("made-up");
  }
}
