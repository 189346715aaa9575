package io.easyremote.bench;

import io.easyremote.bench.callers.Caller;
import io.easyremote.bench.callers.RelayedCaller;
import io.easyremote.bench.child.PaidAccess;
import io.easyremote.client.Client;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Scenario 13: the cost of credits. Two gateways side by side, each with one node: one with credits
 * on (SQLite ledger and metering, a priced {@code echo}, every call reserved, settled with a 10%
 * operator fee and metered), one the same relay with credits off. 8, 32 and 128 closed-loop callers
 * on each (128 saturate both: the ratio there is what each paid call costs), rounds alternated; the ledger is audited at the end.
 */
final class PaidScenario implements Scenario {
  @Override
  public String id() {
    return "paid";
  }

  @Override
  public Section run(Lab lab, Settings settings) throws Exception {
    Section section = new Section(id(), "13. Paid calls: credits on against the same relay with credits off (32 B, closed loop)",
        "callers", "path", "calls/s", "p50 µs", "p99 µs", "÷ free calls/s");
    Path state = Files.createTempDirectory("bench-paid");
    String mb = Integer.toString(Lab.MAX_PAYLOAD);
    List<AutoCloseable> open = new ArrayList<>();
    List<Caller> callers = new ArrayList<>();
    long errors = 0;
    try {
      ChildJvm paidGateway = track(open, ChildJvm.start(settings.logDir(), settings.gatewayJvmOptions(), "gateway", mb, "1000",
          "sqlite:" + state, "credits"));
      Path earlyState = Files.createTempDirectory("bench-paid-early");
      ChildJvm earlyGateway = track(open, ChildJvm.start(settings.logDir(), settings.gatewayJvmOptions(), "gateway", mb, "1000",
          "sqlite:" + earlyState, "credits-early"));
      ChildJvm freeGateway = track(open, ChildJvm.start(settings.logDir(), settings.gatewayJvmOptions(), "gateway", mb, "1000"));
      track(open, ChildJvm.start(settings.logDir(), settings.nodeJvmOptions(), "node", "127.0.0.1:" + paidGateway.ready("port"),
          "paid-node", "256", "paid"));
      track(open, ChildJvm.start(settings.logDir(), settings.nodeJvmOptions(), "node", "127.0.0.1:" + freeGateway.ready("port"),
          "free-node", "256"));
      track(open, ChildJvm.start(settings.logDir(), settings.nodeJvmOptions(), "node", "127.0.0.1:" + earlyGateway.ready("port"),
          "early-node", "256", "paid"));
      Client paid = track(open, Client.builder().gateway("127.0.0.1:" + paidGateway.ready("port")).apiKey(PaidAccess.CALLER_KEY)
          .deadline(Duration.ofSeconds(60)).build());
      Client early = track(open, Client.builder().gateway("127.0.0.1:" + earlyGateway.ready("port")).apiKey(PaidAccess.CALLER_KEY)
          .deadline(Duration.ofSeconds(60)).build());
      Client free = track(open, Client.builder().gateway("127.0.0.1:" + freeGateway.ready("port")).deadline(Duration.ofSeconds(60)).build());
      callers.add(RelayedCaller.text("paid", paid, LatencyScenario.SMALL));
      callers.add(RelayedCaller.text("paid, early results", early, LatencyScenario.SMALL));
      callers.add(RelayedCaller.text("free", free, LatencyScenario.SMALL));
      Rounds.warmUp(callers, settings.jitWarmup().dividedBy(2));
      for (int n : List.of(8, 32, 128)) {
        Medians m = new Medians();
        for (int r = 0; r < settings.throughputRounds() * 2; r++) {
          for (Caller c : Rounds.rotated(callers, r)) {
            Sample sample = Load.closedLoop(c, n, settings.throughputWindow());
            m.add(c.name(), sample);
            errors += sample.errors();
          }
        }
        for (Caller c : callers) {
          section.row(n, c.name(), m.median(c.name(), Sample::callsPerSecond), m.median(c.name(), Sample::p50Micros),
              m.median(c.name(), Sample::p99Micros), m.ratio(c.name(), "free", Sample::callsPerSecond));
        }
      }
      for (ChildJvm g : List.of(paidGateway, earlyGateway)) {
        String audit = String.join(" ", g.ask("audit", Duration.ofSeconds(30)));
        section.note("Ledger after the run (" + (g == paidGateway ? "paid" : "paid, early results") + "): " + audit);
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
    section.note(String.format(Locale.ROOT, "%d rounds of %d ms per path and caller count, order alternated; medians over rounds.",
        settings.throughputRounds() * 2, settings.throughputWindow().toMillis()));
    section.note("Paid: each call is admitted against the caller's balance in memory and routed at once, its reservation of 1 "
        + "credit held in memory; at completion it is reserved and settled in one ledger request (caller → node owner, 10% fee → "
        + "operator; a call running past 100 ms has its reservation written then) and metered, and its result is released once "
        + "the charge is committed (group commit, synchronous=FULL). "
        + "Paid, early results: the same, with the result sent before the settlement is committed "
        + "(Gateway.builder().creditsSettleBeforeResult(false), --credits-early-results): a crash then may leave a seen call "
        + "uncharged. Goal: paid ≥ 0.8 × free calls/s.");
    return section;
  }

  private static <T extends AutoCloseable> T track(List<AutoCloseable> open, T closeable) {
    open.add(closeable);
    return closeable;
  }
}
