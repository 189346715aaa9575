package io.easyremote.gateway.internal.metrics;

import io.easyremote.gateway.internal.core.CallListener;
import io.easyremote.gateway.internal.core.CallRecord;
import io.easyremote.gateway.internal.core.CallScheduler;
import io.easyremote.gateway.internal.core.Outcome;
import io.easyremote.gateway.internal.core.StatusViews;
import io.easyremote.protocol.wire.FunctionInfo;
import io.easyremote.protocol.wire.Gpu;
import io.easyremote.protocol.wire.NodeInfo;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.Tag;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.binder.jvm.ClassLoaderMetrics;
import io.micrometer.core.instrument.config.MeterFilter;
import io.micrometer.core.instrument.binder.jvm.JvmGcMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.system.FileDescriptorMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.core.instrument.binder.system.UptimeMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;

/**
 * The gateway's Prometheus metrics, through Micrometer.
 *
 * <ul>
 *   <li>{@code easyremote_calls_total{function,node,outcome,fault}}: finished calls; {@code outcome} is
 *       {@code ok} or the {@code ErrorCode} in lower case ({@code function_failed}), {@code fault} whose
 *       fault a failure was ({@code none}, {@code caller}, {@code node}, {@code capacity}, {@code gateway};
 *       see {@link Outcome}), so {@code sum by (fault)} separates callers' mistakes from failing nodes.
 *   <li>{@code easyremote_call_duration_seconds{function,node}}: arrival to answer, as a histogram
 *       over a fixed set of buckets (1 ms to 60 s); {@code easyremote_queue_wait_seconds{function}}:
 *       time spent waiting for a free node.
 *   <li>{@code easyremote_stream_items_total{function}}: items relayed by streaming calls.
 *   <li>The JVM and the process: Micrometer's standard {@code jvm_*} (memory, GC, threads, classes),
 *       {@code process_*} (CPU, uptime, open files) and {@code system_*} (CPU load) meters; the CPU
 *       count is {@code system_cpus} (not {@code system_cpu_count}, which promtool's linter rejects).
 *   <li>Gauges reading live state: calls in flight, queued (in all and per function), connected
 *       nodes, items buffered for slow stream readers; per node its CPU load, free and total
 *       memory, in-flight calls, capacity, health, heartbeat age, and per GPU its utilisation and
 *       free memory.
 * </ul>
 *
 * <p>Per-node gauges disappear as soon as their node leaves; the node's call counters and latency
 * histograms are kept for {@link #DEPARTED_RETENTION} (so a scrape still sees its final counts,
 * and a reconnect continues them), then removed, so node churn cannot grow the registry without
 * bound. Calls to names no node ever offered are counted under {@code function="(unregistered)"}
 * for the same reason. Node and function gauges are brought up to date at each {@link #scrape()}.
 * Thread-safe.
 */
public final class CallMetrics implements CallListener, AutoCloseable {
  /** How long a departed node's call counters and histograms are kept. */
  static final Duration DEPARTED_RETENTION = Duration.ofMinutes(5);

  static final String UNREGISTERED = "(unregistered)";
  static final String NO_NODE = "(none)";

  private static final Duration[] LATENCY_BUCKETS = {
      Duration.ofMillis(1), Duration.ofMillis(2), Duration.ofMillis(5), Duration.ofMillis(10), Duration.ofMillis(25),
      Duration.ofMillis(50), Duration.ofMillis(100), Duration.ofMillis(250), Duration.ofMillis(500), Duration.ofSeconds(1),
      Duration.ofMillis(2500), Duration.ofSeconds(5), Duration.ofSeconds(10), Duration.ofSeconds(30), Duration.ofSeconds(60)};

  private final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
  private final LongSupplier nanoClock;
  private final Set<String> knownFunctions = ConcurrentHashMap.newKeySet();
  private final Map<MeterKey, CallMeters> callMeters = new ConcurrentHashMap<>();
  private final Map<String, Long> departedAtNanos = new HashMap<>();
  private final GaugeSet<NodeInfo> nodeGauges;
  private final GaugeSet<Gpu> gpuGauges;
  private final GaugeSet<FunctionInfo> functionGauges;
  private volatile StatusViews status;
  private final JvmGcMetrics gc = new JvmGcMetrics();

  /** Metrics with no gauges bound yet; see {@link #bind}. */
  public CallMetrics() {
    this(System::nanoTime);
  }

  CallMetrics(LongSupplier nanoClock) {
    this.nanoClock = nanoClock;
    // Two standard names that Prometheus' own linter (promtool check metrics) rejects: a counter
    // in "ns" (process_cpu_usage says the same) and a gauge ending in _count.
    registry.config().meterFilter(MeterFilter.denyNameStartsWith("process.cpu.time"));
    registry.config().meterFilter(new MeterFilter() {
      @Override
      public Meter.Id map(Meter.Id id) {
        return id.getName().equals("system.cpu.count") ? id.withName("system.cpus") : id;
      }
    });
    new JvmMemoryMetrics().bindTo(registry);
    gc.bindTo(registry);
    new JvmThreadMetrics().bindTo(registry);
    new ClassLoaderMetrics().bindTo(registry);
    new ProcessorMetrics().bindTo(registry);
    new UptimeMetrics().bindTo(registry);
    new FileDescriptorMetrics().bindTo(registry);
    nodeGauges = new GaugeSet<>(registry, List.of(
        new GaugeSet.Definition<>("easyremote.node.cpu.load", "Whole-machine CPU use of the node, 0..1", null,
            n -> n.getResources().getCpuLoad()),
        new GaugeSet.Definition<>("easyremote.node.memory.free", "Available memory on the node", "bytes",
            n -> n.getResources().getMemoryFreeBytes()),
        new GaugeSet.Definition<>("easyremote.node.memory.total", "Physical memory of the node", "bytes",
            n -> n.getResources().getMemoryTotalBytes()),
        new GaugeSet.Definition<>("easyremote.node.in.flight", "Calls running on the node", null, NodeInfo::getInFlight),
        new GaugeSet.Definition<>("easyremote.node.capacity", "Calls the node runs at once at most", null,
            NodeInfo::getMaxConcurrency),
        new GaugeSet.Definition<>("easyremote.node.healthy", "1 when the node gets new calls (HEALTHY or WARMING), else 0", null,
            n -> n.getState().equals("HEALTHY") || n.getState().equals("WARMING") ? 1 : 0),
        new GaugeSet.Definition<>("easyremote.node.heartbeat.age", "Time since the node's last heartbeat", "seconds",
            n -> Math.max(0, System.currentTimeMillis() - n.getLastHeartbeatMs()) / 1000.0)));
    gpuGauges = new GaugeSet<>(registry, List.of(
        new GaugeSet.Definition<>("easyremote.node.gpu.utilisation", "GPU use, 0..1 (NaN when the driver cannot tell)", null,
            g -> g.hasUtilisation() ? g.getUtilisation() : Double.NaN),
        new GaugeSet.Definition<>("easyremote.node.gpu.memory.free", "Free GPU memory", "bytes", Gpu::getMemoryFreeBytes)));
    functionGauges = new GaugeSet<>(registry, List.of(
        new GaugeSet.Definition<>("easyremote.function.queued", "Calls waiting for a free node, per function", null,
            FunctionInfo::getQueued),
        new GaugeSet.Definition<>("easyremote.function.nodes", "Nodes offering the function", null,
            FunctionInfo::getNodeIdsCount)));
  }

  /** Registers the gauges that read the scheduler's live state. Call once, before the first scrape. */
  public CallMetrics bind(CallScheduler scheduler, StatusViews status) {
    this.status = status;
    Gauge.builder("easyremote.calls.in.flight", scheduler, CallScheduler::inFlight).description("Calls running on nodes")
        .register(registry);
    Gauge.builder("easyremote.calls.queued", scheduler, CallScheduler::queued).description("Calls waiting for a free node")
        .register(registry);
    Gauge.builder("easyremote.stream.buffered.items", scheduler, s -> s.bufferedStreamItems().get())
        .description("Stream items held for callers that are not reading yet").register(registry);
    Gauge.builder("easyremote.nodes.connected", status, s -> s.nodes().size()).description("Connected nodes").register(registry);
    FunctionCounter.builder("easyremote.frames.ignored", scheduler, CallScheduler::ignoredFrames)
        .description("Frames from nodes for calls they were not running (late, duplicate or forged)").register(registry);
    return this;
  }

  @Override
  public void onCompleted(CallRecord record) {
    boolean known = knownFunctions.contains(record.function()); // reads first: add() and computeIfAbsent() per call showed in profiles
    if (!known && record.nodeId() != null) {
      knownFunctions.add(record.function());
      known = true;
    }
    String function = known ? record.function() : UNREGISTERED;
    String node = record.nodeId() == null ? NO_NODE : record.nodeId();
    MeterKey key = new MeterKey(function, node, Outcome.label(record.error()), Outcome.fault(record.error()));
    CallMeters m = callMeters.get(key);
    if (m == null) {
      m = callMeters.computeIfAbsent(key, this::register);
    }
    m.calls().increment();
    m.duration().record(record.totalNanos(), TimeUnit.NANOSECONDS);
    m.queueWait().record(record.queuedNanos(), TimeUnit.NANOSECONDS);
    if (record.stream()) {
      Counter.builder("easyremote.stream.items").description("Items relayed by streaming calls").tags("function", function)
          .register(registry).increment(record.items());
    }
  }

  /** Looks the meters of one kind of finished call up in the registry (registering them if new). */
  private CallMeters register(MeterKey key) {
    return new CallMeters(
        Counter.builder("easyremote.calls").description("Finished calls by function, node and outcome")
            .tags("function", key.function(), "node", key.node(), "outcome", key.outcome(), "fault", key.fault()).register(registry),
        Timer.builder("easyremote.call.duration").description("Time from a call's arrival to its answer")
            .tags("function", key.function(), "node", key.node()).serviceLevelObjectives(LATENCY_BUCKETS).register(registry),
        Timer.builder("easyremote.queue.wait").description("Time a call waited for a free node").tags("function", key.function())
            .serviceLevelObjectives(LATENCY_BUCKETS).register(registry));
  }

  /** Which meters a finished call updates. */
  private record MeterKey(String function, String node, String outcome, String fault) {}

  /** The meters of one {@link MeterKey}, cached: looking them up in the registry per call cost ~4% of the relay's CPU. */
  private record CallMeters(Counter calls, Timer duration, Timer queueWait) {}

  /** Stops listening for garbage collections. */
  @Override
  public void close() {
    gc.close();
  }

  /** The registry behind {@code /metrics}, for other parts' counters (credits). */
  public io.micrometer.core.instrument.MeterRegistry registry() {
    return registry;
  }

  /** Brings node and function gauges up to date, then renders the Prometheus text exposition. */
  public String scrape() {
    if (status != null) {
      refresh(status.nodes(), status.functions());
    }
    return registry.scrape();
  }

  /** Makes the gauges read these snapshots; forgets departed nodes' call meters after the retention. */
  synchronized void refresh(List<NodeInfo> nodes, List<FunctionInfo> functions) {
    Map<Tags, NodeInfo> byNode = new LinkedHashMap<>();
    Map<Tags, Gpu> byGpu = new LinkedHashMap<>();
    for (NodeInfo node : nodes) {
      byNode.put(Tags.of("node", node.getNodeId()), node);
      for (int i = 0; i < node.getResources().getGpusCount(); i++) {
        Gpu gpu = node.getResources().getGpus(i);
        byGpu.put(Tags.of("node", node.getNodeId(), "gpu", String.valueOf(i), "name", gpu.getName()), gpu);
      }
    }
    Map<Tags, FunctionInfo> byFunction = new LinkedHashMap<>();
    for (FunctionInfo function : functions) {
      knownFunctions.add(function.getSpec().getName());
      byFunction.put(Tags.of("function", function.getSpec().getName()), function);
    }
    long now = nanoClock.getAsLong();
    for (Tags gone : nodeGauges.update(byNode)) {
      departedAtNanos.put(gone.stream().findFirst().map(Tag::getValue).orElseThrow(), now);
    }
    gpuGauges.update(byGpu);
    functionGauges.update(byFunction);
    for (NodeInfo node : nodes) {
      departedAtNanos.remove(node.getNodeId());
    }
    List<String> expired = new ArrayList<>();
    departedAtNanos.forEach((node, at) -> {
      if (now - at >= DEPARTED_RETENTION.toNanos()) {
        expired.add(node);
      }
    });
    for (String node : expired) {
      departedAtNanos.remove(node);
      for (Meter meter : registry.find("easyremote.calls").tag("node", node).meters()) {
        registry.remove(meter);
      }
      for (Meter meter : registry.find("easyremote.call.duration").tag("node", node).meters()) {
        registry.remove(meter);
      }
      // After the registry: a call finishing meanwhile either used the old meters (now gone) or
      // registered fresh ones, which are kept; none is left cached pointing at a removed meter.
      callMeters.keySet().removeIf(key -> key.node().equals(node));
    }
  }
}
