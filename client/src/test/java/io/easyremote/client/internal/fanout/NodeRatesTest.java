package io.easyremote.client.internal.fanout;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class NodeRatesTest {
  private static final long MS = TimeUnit.MILLISECONDS.toNanos(1);

  @Test
  void rates_countPerNodeOverTheLastFiveSeconds_andANodeThatStopsDropsToZero() {
    NodeRates rates = new NodeRates(0);
    for (long t = 0; t < 2000; t += 10) { // a: 100/s for 2 s; b: 50/s for 2 s
      rates.record("a", t * MS);
      if (t % 20 == 0) {
        rates.record("b", t * MS);
      }
    }
    assertThat(rates.rates(2000 * MS).get("a")).isCloseTo(100, within(5.0));
    assertThat(rates.rates(2000 * MS).get("b")).isCloseTo(50, within(5.0));
    assertThat(rates.rate(2000 * MS)).isCloseTo(150, within(8.0));
    for (long t = 2000; t < 8000; t += 10) { // b stops; a goes on
      rates.record("a", t * MS);
    }
    assertThat(rates.rates(8000 * MS).get("a")).isCloseTo(100, within(5.0));
    assertThat(rates.rates(8000 * MS).get("b")).isZero();
    assertThat(rates.counts()).containsExactly(java.util.Map.entry("a", 800L), java.util.Map.entry("b", 100L));
  }

  @Test
  void record_withoutANodeId_countsUnderAQuestionMark() {
    NodeRates rates = new NodeRates(0);
    rates.record(null, 5 * MS);
    assertThat(rates.counts()).containsOnlyKeys("?");
  }
}
