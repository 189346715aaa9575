package io.easyremote.gateway.internal.credits;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.easyremote.protocol.wire.FunctionSpec;
import org.junit.jupiter.api.Test;

/** A price's reservation ceiling: the per-call price and every second begun, never an overflow passed on. */
class PriceTest {
  @Test
  void mostFor_countsEverySecondBegun_andThePerCallPrice() {
    Price price = new Price(100, 10);
    assertThat(price.mostFor(0)).isEqualTo(100);
    assertThat(price.mostFor(1)).as("1 ms may still run a second's worth").isEqualTo(110);
    assertThat(price.mostFor(1_000)).isEqualTo(110);
    assertThat(price.mostFor(1_001)).isEqualTo(120);
    assertThat(new Price(7, 0).mostFor(Long.MAX_VALUE / 2)).as("no per-second price: the deadline does not count").isEqualTo(7);
  }

  @Test
  void mostFor_thatOverflows_throws_insteadOfWrapping() {
    assertThatThrownBy(() -> new Price(1, Long.MAX_VALUE / 1_000).mostFor(10_000_000)).isInstanceOf(ArithmeticException.class);
    assertThatThrownBy(() -> new Price(Long.MAX_VALUE, 1).mostFor(1)).isInstanceOf(ArithmeticException.class);
  }

  @Test
  void max_takesEachPartsHigher_fromEitherPrice() {
    assertThat(new Price(5, 1).max(new Price(2, 9))).isEqualTo(new Price(5, 9));
    assertThat(Price.FREE.max(Price.FREE).free()).isTrue();
  }

  @Test
  void of_aNodesSpec_orFreeWithoutOne_andReadsAsCreditsPerCallAndSecond() {
    assertThat(Price.of(null)).isEqualTo(Price.FREE);
    assertThat(Price.of(FunctionSpec.newBuilder().setPricePerCall(3).setPricePerSecond(4).build())).isEqualTo(new Price(3, 4));
    assertThat(new Price(3, 4)).hasToString("3 per call + 4 per second");
  }
}
