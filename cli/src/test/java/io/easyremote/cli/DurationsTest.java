package io.easyremote.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import org.junit.jupiter.api.Test;
import picocli.CommandLine.TypeConversionException;

class DurationsTest {
  @Test
  void parse_shortForms_giveTheirDurations() {
    assertThat(Durations.parse("500ms")).isEqualTo(Duration.ofMillis(500));
    assertThat(Durations.parse("5s")).isEqualTo(Duration.ofSeconds(5));
    assertThat(Durations.parse("1m")).isEqualTo(Duration.ofMinutes(1));
    assertThat(Durations.parse("2h")).isEqualTo(Duration.ofHours(2));
  }

  @Test
  void parse_iso8601_isAccepted() {
    assertThat(Durations.parse("PT1.5S")).isEqualTo(Duration.ofMillis(1500));
    assertThat(Durations.parse("pt2m")).isEqualTo(Duration.ofMinutes(2));
  }

  @Test
  void parse_garbage_namesTheAcceptedForms() {
    assertThatThrownBy(() -> Durations.parse("soon"))
        .isInstanceOf(TypeConversionException.class)
        .hasMessage("'soon' is not a duration: use 500ms, 5s, 2m, 1h or ISO-8601 like PT5S");
  }

  @Test
  void parse_zeroOrNegative_isRejected() {
    assertThatThrownBy(() -> Durations.parse("0s")).hasMessage("'0s' is not a positive duration");
    assertThatThrownBy(() -> Durations.parse("-5s")).hasMessage("'-5s' is not a positive duration");
  }
}
