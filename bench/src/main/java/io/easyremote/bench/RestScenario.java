package io.easyremote.bench;

import com.linecorp.armeria.common.SessionProtocol;
import io.easyremote.bench.callers.Caller;
import io.easyremote.bench.callers.RelayedCaller;
import io.easyremote.bench.callers.RestCaller;
import io.easyremote.bench.callers.StubCaller;
import java.util.List;
import java.util.Locale;

/** Scenario 7: the same 32 B call over {@code POST /api/echo} (HTTP/1.1 and h2c) next to the gRPC client. */
final class RestScenario implements Scenario {
  @Override
  public String id() {
    return "rest";
  }

  @Override
  public Section run(Lab lab, Settings settings) throws Exception {
    List<Caller> callers = List.of(
        RelayedCaller.text("gRPC (Client)", lab.client(), LatencyScenario.SMALL),
        StubCaller.relayed(lab.gatewayPort(), LatencyScenario.SMALL),
        new RestCaller(lab.gatewayPort(), SessionProtocol.H1C, LatencyScenario.SMALL),
        new RestCaller(lab.gatewayPort(), SessionProtocol.H2C, LatencyScenario.SMALL));
    try {
      Medians m = new Medians();
      Rounds.sequential(callers, settings, settings.latencyRounds(), settings.latencyCalls(), m);
      Section section = new Section(id(), "7. REST vs gRPC through the gateway (sequential, 32 B)",
          "path", "p50 µs", "p99 µs", "mean µs", "p50 ÷ gRPC");
      for (Caller c : callers) {
        section.row(c.name(), m.median(c.name(), Sample::p50Micros), m.median(c.name(), Sample::p99Micros),
            m.median(c.name(), Sample::meanMicros), m.ratio(c.name(), "gRPC (Client)", Sample::p50Micros));
      }
      section.note(String.format(Locale.ROOT, "%d rounds of %d calls per path, order rotated; REST callers use Armeria's WebClient"
          + " with a JSON body [\"…\"] and check the JSON answer; the plain gRPC stub sends the Client's request without the"
          + " client library.", settings.latencyRounds(), settings.latencyCalls()));
      return section;
    } finally {
      for (Caller c : callers) {
        c.close();
      }
    }
  }
}
