package io.easyremote.gateway.internal.metrics;

import io.easyremote.gateway.internal.core.CallListener;
import io.easyremote.gateway.internal.core.CallRecord;
import io.easyremote.gateway.internal.core.CallScheduler;
import io.easyremote.gateway.internal.core.StatusViews;
import io.easyremote.protocol.wire.NodeInfo;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MultiGauge;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Prometheus metrics through Micrometer: calls by function, node and outcome; call latency and
 * queue wait as histograms; in-flight, queued and connected nodes; each node's CPU, free memory
 * and load from its heartbeats (refreshed at every scrape, so departed nodes disappear).
 */
public final class CallMetrics implements CallListener {
  private final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
  private final StatusViews status;
  private final MultiGauge nodeCpu;
  private final MultiGauge nodeMemoryFree;
  private final MultiGauge nodeInFlight;

  public CallMetrics(CallScheduler scheduler, StatusViews status) {
    this.status = status;
    Gauge.builder("easyremote_calls_in_flight", scheduler, CallScheduler::inFlight).description("Calls running on nodes").register(registry);
    Gauge.builder("easyremote_calls_queued", scheduler, CallScheduler::queued).description("Calls waiting for a free node").register(registry);
    Gauge.builder("easyremote_nodes_connected", status, s -> s.nodes().size()).description("Connected nodes").register(registry);
    Gauge.builder("easyremote_frames_ignored", scheduler, CallScheduler::unknownResults)
        .description("Frames from nodes for calls they were not running").register(registry);
    nodeCpu = MultiGauge.builder("easyremote_node_cpu_load").description("Node CPU use, 0..1").register(registry);
    nodeMemoryFree = MultiGauge.builder("easyremote_node_memory_free_bytes").description("Node free memory").baseUnit("bytes").register(registry);
    nodeInFlight = MultiGauge.builder("easyremote_node_in_flight").description("Calls running on the node").register(registry);
  }

  @Override
  public void onCompleted(CallRecord record) {
    String outcome = record.error() == null ? "ok" : record.error().name();
    String node = record.nodeId() == null ? "none" : record.nodeId();
    Counter.builder("easyremote_calls").description("Finished calls").tags("function", record.function(), "node", node, "outcome", outcome)
        .register(registry).increment();
    Timer.builder("easyremote_call_duration").description("Time from arrival to answer").tags("function", record.function())
        .publishPercentileHistogram().minimumExpectedValue(Duration.ofMillis(1)).maximumExpectedValue(Duration.ofSeconds(60))
        .register(registry).record(record.totalNanos(), TimeUnit.NANOSECONDS);
    Timer.builder("easyremote_queue_wait").description("Time waiting for a free node").tags("function", record.function())
        .publishPercentileHistogram().minimumExpectedValue(Duration.ofMillis(1)).maximumExpectedValue(Duration.ofSeconds(60))
        .register(registry).record(record.queuedNanos(), TimeUnit.NANOSECONDS);
  }

  /** The Prometheus text exposition, with node gauges refreshed. */
  public String scrape() {
    List<MultiGauge.Row<?>> cpu = new ArrayList<>();
    List<MultiGauge.Row<?>> memory = new ArrayList<>();
    List<MultiGauge.Row<?>> inFlight = new ArrayList<>();
    for (NodeInfo node : status.nodes()) {
      Tags tags = Tags.of("node", node.getNodeId());
      cpu.add(MultiGauge.Row.of(tags, node.getResources().getCpuLoad()));
      memory.add(MultiGauge.Row.of(tags, node.getResources().getMemoryFreeBytes()));
      inFlight.add(MultiGauge.Row.of(tags, node.getInFlight()));
    }
    nodeCpu.register(cpu, true);
    nodeMemoryFree.register(memory, true);
    nodeInFlight.register(inFlight, true);
    return registry.scrape();
  }
}
