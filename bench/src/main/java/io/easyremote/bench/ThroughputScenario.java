package io.easyremote.bench;

import io.easyremote.bench.callers.Caller;
import java.util.List;
import java.util.Locale;

/** Scenario 2: 1, 8, 32 and 128 closed-loop callers on each path: calls per second and p99. */
final class ThroughputScenario implements Scenario {
  @Override
  public String id() {
    return "throughput";
  }

  @Override
  public Section run(Lab lab, Settings settings) throws Exception {
    List<Caller> callers = LatencyScenario.smallCallers(lab);
    Section section = new Section(id(), "2. Throughput with concurrent callers (32 B, closed loop)",
        "callers", "path", "calls/s", "p50 µs", "p99 µs", "÷ direct calls/s", "caller CPU µs/call", "server CPU µs/call");
    double relayed32 = Double.NaN;
    double direct32 = Double.NaN;
    double gateway32 = Double.NaN;
    long errors = 0;
    double node32 = Double.NaN;
    try {
      Rounds.warmUp(callers, settings.warmup());
      for (int n : settings.callerCounts()) {
        Medians m = new Medians();
        Medians cpu = new Medians();
        long self = ProcessHandle.current().pid();
        for (int r = 0; r < settings.throughputRounds(); r++) {
          for (Caller c : Rounds.rotated(callers, r)) {
            long[] servers = lab.serverPids(c.name());
            long callerCpu = Procs.cpuNanos(self);
            long serverCpu = Procs.cpuNanos(servers);
            long gatewayCpu = Procs.cpuNanos(lab.gateway.pid());
            Sample sample = Load.closedLoop(c, n, settings.throughputWindow());
            m.add(c.name(), sample);
            errors += sample.errors();
            double calls = Math.max(1, sample.calls());
            cpu.add(c.name() + " caller", Sample.value((Procs.cpuNanos(self) - callerCpu) / 1000.0 / calls));
            cpu.add(c.name() + " server", Sample.value((Procs.cpuNanos(servers) - serverCpu) / 1000.0 / calls));
            if (c.name().equals("relayed")) {
              cpu.add("gateway", Sample.value((Procs.cpuNanos(lab.gateway.pid()) - gatewayCpu) / 1000.0 / calls));
            }
          }
        }
        for (Caller c : callers) {
          section.row(n, c.name(), m.median(c.name(), Sample::callsPerSecond), m.median(c.name(), Sample::p50Micros),
              m.median(c.name(), Sample::p99Micros), m.ratio(c.name(), "direct gRPC", Sample::callsPerSecond),
              cpu.median(c.name() + " caller", Sample::meanMicros), cpu.median(c.name() + " server", Sample::meanMicros));
        }
        if (n == 32) {
          gateway32 = cpu.median("gateway", Sample::meanMicros);
          node32 = cpu.median("relayed server", Sample::meanMicros) - gateway32;
          relayed32 = m.median("relayed", Sample::callsPerSecond);
          direct32 = m.median("direct gRPC", Sample::callsPerSecond);
        }
      }
    } finally {
      for (Caller c : callers) {
        c.close();
      }
    }
    if (errors > 0) {
      section.fail(errors + " calls failed during the load");
    }
    section.note(settings.throughputRounds() + " rounds of " + settings.throughputWindow().toMillis()
        + " ms per path and caller count, order rotated; medians over rounds. One client connection per path.");
    section.note(String.format(Locale.ROOT, "Goal: relayed throughput with 32 callers ≥ 80%% of direct (now %.0f%%).",
        100 * relayed32 / direct32));
    section.note("CPU µs/call: process CPU time (from /proc) over the window ÷ calls; caller = this benchmark process,"
        + " server = gateway + node, the echo server, or nats-server + responder."
        + String.format(Locale.ROOT, " Relayed with 32 callers: gateway %.0f µs, node %.0f µs.", gateway32, node32));
    section.note("Every process shares this machine's " + Runtime.getRuntime().availableProcessors()
        + " cores: the relayed path keeps three JVMs busy (caller, gateway, node), direct two, NATS two plus nats-server.");
    return section;
  }
}
