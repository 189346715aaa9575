package io.easyremote.bench;

import io.easyremote.bench.callers.Caller;
import io.easyremote.bench.callers.NatsCaller;
import io.easyremote.bench.callers.RelayedCaller;
import io.easyremote.bench.callers.StubCaller;
import java.util.ArrayList;
import java.util.List;

/**
 * Scenario 1: sequential 32-byte calls through gateway and node, next to the direct gRPC floor
 * and NATS request-reply, alternating between them round by round.
 */
final class LatencyScenario implements Scenario {
  static final int SMALL = 32;

  @Override
  public String id() {
    return "latency";
  }

  @Override
  public Section run(Lab lab, Settings settings) throws Exception {
    List<Caller> callers = smallCallers(lab);
    try {
      Medians m = new Medians();
      Rounds.sequential(callers, settings, settings.latencyRounds(), settings.latencyCalls(), m);
      Section section = new Section(id(), "1. Relayed small call vs the one-hop floor and NATS (sequential, 32 B)",
          "path", "p50 µs", "p99 µs", "mean µs", "p50 ÷ direct", "p50 ÷ NATS");
      for (Caller c : callers) {
        section.row(c.name(), m.median(c.name(), Sample::p50Micros), m.median(c.name(), Sample::p99Micros),
            m.median(c.name(), Sample::meanMicros), m.ratio(c.name(), "direct gRPC", Sample::p50Micros),
            m.ratio(c.name(), "NATS req-reply", Sample::p50Micros));
      }
      section.note(settings.latencyRounds() + " rounds of " + settings.latencyCalls() + " calls per path, order rotated each round; medians over rounds.");
      section.note(String.format(java.util.Locale.ROOT, "Goal: relayed p50 ≤ 2× direct (now %.2f×) and ≤ NATS (now %.2f×).",
          m.ratio("relayed", "direct gRPC", Sample::p50Micros), m.ratio("relayed", "NATS req-reply", Sample::p50Micros)));
      section.note(lab.natsNote);
      return section;
    } finally {
      for (Caller c : callers) {
        c.close();
      }
    }
  }

  /**
   * The small-call paths: relayed (the product, on the call channel), relayed with a
   * {@code Gateway.Call} per call (the path before the channel), direct gRPC, and NATS when available.
   */
  static List<Caller> smallCallers(Lab lab) throws Exception {
    List<Caller> callers = new ArrayList<>();
    callers.add(RelayedCaller.text("relayed", lab.client(), SMALL));
    callers.add(RelayedCaller.text("relayed, Call per call", lab.client(false), SMALL));
    callers.add(StubCaller.direct(lab.echoPort(), SMALL));
    if (lab.nats != null) {
      callers.add(new NatsCaller(lab.nats.url(), SMALL));
    }
    return callers;
  }
}
