package io.easyremote.bench;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class MediansTest {
  @Test
  void of_oddAndEvenCounts() {
    assertThat(Medians.of(5, 1, 3)).isEqualTo(3.0);
    assertThat(Medians.of(4, 1, 3, 2)).isEqualTo(2.5);
    assertThat(Medians.of()).isNaN();
  }

  @Test
  void median_andRatio_overRounds() {
    Medians m = new Medians();
    m.add("relayed", new Sample(100, 0, 1, 300, 900, 320));
    m.add("relayed", new Sample(100, 0, 1, 280, 700, 300));
    m.add("relayed", new Sample(100, 0, 1, 5000, 9000, 6000)); // one bad round does not move the median far
    m.add("direct", new Sample(100, 0, 1, 100, 200, 110));

    assertThat(m.median("relayed", Sample::p50Micros)).isEqualTo(300.0);
    assertThat(m.ratio("relayed", "direct", Sample::p50Micros)).isEqualTo(3.0);
    assertThat(m.ratio("relayed", "NATS", Sample::p50Micros)).isNaN();
  }

  @Test
  void sample_callsPerSecond() {
    assertThat(new Sample(5000, 0, 2.0, 1, 1, 1).callsPerSecond()).isEqualTo(2500.0);
  }
}
