package io.easyremote.bench;

import io.easyremote.bench.callers.Caller;
import io.easyremote.bench.callers.RelayedCaller;
import io.easyremote.bench.child.PaidAccess;
import io.easyremote.client.Client;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Scenario 13: the cost of credits. Four gateways side by side, each with one node: three with credits
 * on (SQLite ledger and metering, a priced {@code echo}, every call charged with a 10% operator fee
 * and metered; results after the charge commits, before it, and after it with the store's
 * {@code synchronous=NORMAL}), one the same relay with credits off. 8, 32, 128 and 512
 * closed-loop callers on each, then 512 and 2,048 asynchronous calls in flight, rounds alternated; the CPU
 * each path's gateway and node spent per call and what the store writer did are read around each
 * round; the ledgers are audited at the end.
 */
final class PaidScenario implements Scenario {
  private static final String NORMAL = "paid, sync normal";
  /**
   * The loads, in order: closed-loop caller threads, then as many asynchronous calls kept in
   * flight with no thread each, which takes the client's cost of waking a thread per result (31 µs
   * of client CPU per call with 512 threads on 2 cores, 8 µs asynchronously) out of the comparison.
   * 2,048 in flight: a paid result waits for its group commit (2–3 ms under this load), so by
   * Little's law the paid paths need more calls in flight than the free one to keep the same CPU
   * busy; each path's capacity is its best row.
   */
  private static final List<Concurrency> LOADS = List.of(new Concurrency(8, false), new Concurrency(32, false),
      new Concurrency(128, false), new Concurrency(512, false), new Concurrency(512, true), new Concurrency(2048, true));

  /** {@code calls} closed-loop caller threads, or that many asynchronous calls in flight. */
  private record Concurrency(int calls, boolean async) {
    @Override
    public String toString() {
      return async ? calls + " async" : Integer.toString(calls);
    }
  }

  @Override
  public String id() {
    return "paid";
  }

  @Override
  public Section run(Lab lab, Settings settings) throws Exception {
    Section section = new Section(id(), "13. Paid calls: credits on against the same relay with credits off (32 B, closed loop)",
        "callers", "path", "calls/s", "p50 µs", "p99 µs", "÷ free calls/s", "gateway CPU µs/call", "node CPU µs/call");
    String mb = Integer.toString(Lab.MAX_PAYLOAD);
    List<AutoCloseable> open = new ArrayList<>();
    List<Caller> callers = new ArrayList<>();
    long errors = 0;
    try {
      // Tracked first, so deleted last: after the gateways that write there.
      ScratchDir state = track(open, ScratchDir.create("bench-paid"));
      ScratchDir earlyState = track(open, ScratchDir.create("bench-paid-early"));
      ScratchDir normalState = track(open, ScratchDir.create("bench-paid-normal"));
      ChildJvm paidGateway = track(open, ChildJvm.start(settings.logDir(), settings.gatewayJvmOptions(), "gateway", mb, "1000",
          "sqlite:" + state, "credits"));
      ChildJvm earlyGateway = track(open, ChildJvm.start(settings.logDir(), settings.gatewayJvmOptions(), "gateway", mb, "1000",
          "sqlite:" + earlyState, "credits-early"));
      ChildJvm normalGateway = track(open, ChildJvm.start(settings.logDir(), settings.gatewayJvmOptions(), "gateway", mb, "1000",
          "sqlite:" + normalState, "credits", "normal"));
      ChildJvm freeGateway = track(open, ChildJvm.start(settings.logDir(), settings.gatewayJvmOptions(), "gateway", mb, "1000"));
      ChildJvm paidNode = track(open, ChildJvm.start(settings.logDir(), settings.nodeJvmOptions(), "node",
          "127.0.0.1:" + paidGateway.ready("port"), "paid-node", "256", "paid"));
      ChildJvm freeNode = track(open, ChildJvm.start(settings.logDir(), settings.nodeJvmOptions(), "node",
          "127.0.0.1:" + freeGateway.ready("port"), "free-node", "256"));
      ChildJvm earlyNode = track(open, ChildJvm.start(settings.logDir(), settings.nodeJvmOptions(), "node",
          "127.0.0.1:" + earlyGateway.ready("port"), "early-node", "256", "paid"));
      ChildJvm normalNode = track(open, ChildJvm.start(settings.logDir(), settings.nodeJvmOptions(), "node",
          "127.0.0.1:" + normalGateway.ready("port"), "normal-node", "256", "paid"));
      Map<String, Probe> probes = Map.of(NORMAL, new Probe(normalGateway, normalNode), "paid", new Probe(paidGateway, paidNode), "paid, early results", new Probe(earlyGateway, earlyNode),
          "free", new Probe(freeGateway, freeNode));
      Client paid = track(open, Client.builder().gateway("127.0.0.1:" + paidGateway.ready("port")).apiKey(PaidAccess.CALLER_KEY)
          .deadline(Duration.ofSeconds(60)).build());
      Client early = track(open, Client.builder().gateway("127.0.0.1:" + earlyGateway.ready("port")).apiKey(PaidAccess.CALLER_KEY)
          .deadline(Duration.ofSeconds(60)).build());
      Client normal = track(open, Client.builder().gateway("127.0.0.1:" + normalGateway.ready("port")).apiKey(PaidAccess.CALLER_KEY)
          .deadline(Duration.ofSeconds(60)).build());
      Client free = track(open, Client.builder().gateway("127.0.0.1:" + freeGateway.ready("port")).deadline(Duration.ofSeconds(60)).build());
      callers.add(RelayedCaller.text("paid", paid, LatencyScenario.SMALL));
      callers.add(RelayedCaller.text("paid, early results", early, LatencyScenario.SMALL));
      callers.add(RelayedCaller.text(NORMAL, normal, LatencyScenario.SMALL));
      callers.add(RelayedCaller.text("free", free, LatencyScenario.SMALL));
      // Eight fresh JVMs compile at once on 2 cores, and a paid gateway has more to compile (ledger, SQLite, billing): warm
      // every path under load, twice in turn, or the first rows (8 callers) measure the JIT compilers, not the paths.
      for (int r = 0; r < 2; r++) {
        for (Caller c : callers) {
          Load.closedLoop(c, 32, settings.jitWarmup().dividedBy(4));
        }
      }
      Map<String, Double> best = new LinkedHashMap<>(); // each path's highest calls/s over the caller counts: its capacity
      for (Concurrency load : LOADS) {
        int n = load.calls();
        Medians m = new Medians();
        Map<String, Use> uses = new LinkedHashMap<>();
        for (int r = 0; r < settings.throughputRounds() * 2; r++) {
          for (Caller c : Rounds.rotated(callers, r)) {
            Probe probe = probes.get(c.name());
            Use before = probe.read();
            Sample sample = load.async() ? Load.inFlight(c, n, settings.throughputWindow()) : Load.closedLoop(c, n, settings.throughputWindow());
            uses.merge(c.name(), probe.read().minus(before).withCalls(sample.calls()), Use::plus);
            m.add(c.name(), sample);
            errors += sample.errors();
          }
        }
        for (Caller c : callers) {
          best.merge(c.name(), m.median(c.name(), Sample::callsPerSecond), Math::max);
          Use use = uses.get(c.name());
          section.row(load, c.name(), m.median(c.name(), Sample::callsPerSecond), m.median(c.name(), Sample::p50Micros),
              m.median(c.name(), Sample::p99Micros), m.ratio(c.name(), "free", Sample::callsPerSecond),
              use.perCallMicros(use.gatewayCpu), use.perCallMicros(use.nodeCpu));
          if (use.writer[0] > 0) {
            section.note(use.writerNote(load, c.name()));
          }
        }
      }
      double freeBest = best.get("free");
      section.note("Capacity (each path's highest calls/s over the caller counts) ÷ the free path's: " + best.entrySet().stream()
          .filter(e -> !e.getKey().equals("free"))
          .map(e -> String.format(Locale.ROOT, "%s %,.0f ÷ %,.0f = %.2f", e.getKey(), e.getValue(), freeBest, e.getValue() / freeBest))
          .collect(java.util.stream.Collectors.joining("; ")) + ".");
      for (ChildJvm g : List.of(paidGateway, earlyGateway, normalGateway)) {
        String audit = String.join(" ", g.ask("audit", Duration.ofSeconds(30)));
        section.note("Ledger after the run (" + (g == paidGateway ? "paid" : g == earlyGateway ? "paid, early results" : NORMAL) + "): "
            + audit);
        if (!audit.contains("problems=[]")) {
          section.fail("the ledger's audit found problems: " + audit);
        }
      }
    } finally {
      for (Caller c : callers) {
        c.close();
      }
      for (int i = open.size() - 1; i >= 0; i--) {
        open.get(i).close();
      }
    }
    if (errors > 0) {
      section.fail(errors + " calls failed during the load");
    }
    section.note(String.format(Locale.ROOT, "%d rounds of %d ms per path and caller count, order alternated; medians over rounds. "
        + "Before them, each path ran 32 callers for 2 × %d ms, in turn (JIT warm-up).",
        settings.throughputRounds() * 2, settings.throughputWindow().toMillis(), settings.jitWarmup().dividedBy(4).toMillis()));
    section.note("Paid: each call is admitted against the caller's balance in memory and routed at once, its reservation of 1 "
        + "credit held in memory; at completion it is charged in one ledger request (caller → node owner, 10% fee → "
        + "operator; a call running past 100 ms has its reservation written then) and metered, and its result is released once "
        + "the charge is committed (group commit, synchronous=FULL; a batch after one of 64 or more calls starts 2 ms after it). "
        + "Paid, early results: the same, with the result sent before the settlement is committed "
        + "(Gateway.builder().creditsSettleBeforeResult(false), --credits-early-results): a crash then may leave a seen call "
        + "uncharged. Paid, sync normal: the default path with the store's commits durable against a crash of the process, not "
        + "of the machine (Gateway.builder().stateSync(SyncMode.NORMAL), --state-sync normal: SQLite synchronous=NORMAL, WAL). "
        + "Goal: paid ≥ 0.8 × free calls/s. A closed-loop caller waits for each result, and a paid result waits for its group "
        + "commit (2–3 ms under load here), so a paid path needs more callers in flight than a free one to fill the same CPU: "
        + "the capacity (each path's best row) compares the two where each is saturated, the lower rows at a fixed concurrency. "
        + "\"512 async\": 512 calls kept in flight with Client.callAsync, each completion starting the next, instead of 512 "
        + "threads each waiting for its result (the client then spends a quarter of the CPU per call, so the gateways' own costs "
        + "weigh more); \"2048 async\": the same with 2,048, which the paid paths need to reach their capacity.");
    return section;
  }

  /** A path's gateway and node, whose CPU and store writer are read before and after each round. */
  private record Probe(ChildJvm gateway, ChildJvm node) {
    Use read() throws java.io.IOException, InterruptedException {
      String[] w = gateway.ask("writer", Duration.ofSeconds(30));
      long[] writer = new long[w.length];
      for (int i = 0; i < w.length; i++) {
        writer[i] = Long.parseLong(w[i]);
      }
      return new Use(0, System.nanoTime(), Procs.cpuNanos(gateway.pid()), Procs.cpuNanos(node.pid()),
          Procs.threadCpuNanos(gateway.pid(), "easyremote-store-writer"), writer);
    }
  }

  /** What a path used over rounds: calls, wall time, CPU of its gateway, node and store writer thread, the writer's statistics. */
  private record Use(long calls, long wallNanos, long gatewayCpu, long nodeCpu, long writerCpu, long[] writer) {
    Use minus(Use o) {
      long[] w = new long[writer.length];
      for (int i = 0; i < w.length; i++) {
        w[i] = writer[i] - o.writer[i];
      }
      return new Use(calls - o.calls, wallNanos - o.wallNanos, gatewayCpu - o.gatewayCpu, nodeCpu - o.nodeCpu, writerCpu - o.writerCpu, w);
    }

    Use plus(Use o) {
      long[] w = new long[writer.length];
      for (int i = 0; i < w.length; i++) {
        w[i] = writer[i] + o.writer[i];
      }
      return new Use(calls + o.calls, wallNanos + o.wallNanos, gatewayCpu + o.gatewayCpu, nodeCpu + o.nodeCpu, writerCpu + o.writerCpu, w);
    }

    Use withCalls(long calls) {
      return new Use(calls, wallNanos, gatewayCpu, nodeCpu, writerCpu, writer);
    }

    double perCallMicros(long nanos) {
      return calls == 0 ? Double.NaN : nanos / 1_000.0 / calls;
    }

    /** The store writer over these rounds: batches, wait for the commit, where its time went. */
    String writerNote(Concurrency callers, String path) {
      long batches = writer[0];
      long writes = writer[1];
      long running = writer[3] - writer[7]; // a paced batch waits inside its run
      return String.format(Locale.ROOT, "Store writer, %s callers, %s: %.0f group commits/s, %.1f writes (%.1f calls) per commit, "
              + "%.0f%% of them paced (waiting %.0f µs each on average); a write waits %.2f ms from queued to committed; per commit "
              + "%.0f µs running writes, %.0f µs committing, %.0f µs completing; busy %.0f%% of the time, thread CPU %.1f µs per call",
          callers, path, batches / (wallNanos / 1e9), (double) writes / batches, (double) calls / batches,
          100.0 * writer[6] / batches, writer[6] == 0 ? 0.0 : writer[7] / 1e3 / writer[6],
          writer[2] / 1e6 / writes, running / 1e3 / batches, writer[4] / 1e3 / batches, writer[5] / 1e3 / batches,
          100.0 * (running + writer[4] + writer[5]) / wallNanos, perCallMicros(writerCpu));
    }
  }

  private static <T extends AutoCloseable> T track(List<AutoCloseable> open, T closeable) {
    open.add(closeable);
    return closeable;
  }
}
