package io.easyremote.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

class ParsingTest {
  @Test
  void durations_acceptShortFormsAndIso() {
    assertThat(Durations.parse("500ms")).isEqualTo(Duration.ofMillis(500));
    assertThat(Durations.parse("5s")).isEqualTo(Duration.ofSeconds(5));
    assertThat(Durations.parse("2m")).isEqualTo(Duration.ofMinutes(2));
    assertThat(Durations.parse("PT1.5S")).isEqualTo(Duration.ofMillis(1500));
    assertThatThrownBy(() -> Durations.parse("soon")).hasMessageContaining("'soon' is not a duration");
  }

  @Test
  void jsonArgs_parseJson_andFallBackToStrings() {
    Object[] args = JsonArgs.parse(List.of("1", "\"two\"", "[1,2]", "{\"x\":1}", "hello world", "true"));
    assertThat(((JsonNode) args[0]).intValue()).isEqualTo(1);
    assertThat(((JsonNode) args[1]).textValue()).isEqualTo("two");
    assertThat(((JsonNode) args[2]).size()).isEqualTo(2);
    assertThat(((JsonNode) args[3]).get("x").intValue()).isEqualTo(1);
    assertThat(((JsonNode) args[4]).textValue()).isEqualTo("hello world");
    assertThat(((JsonNode) args[5]).booleanValue()).isTrue();
  }

  @Test
  void call_withBadTimeout_isAUsageError() {
    CommandLine cli = Main.commandLine();
    cli.setErr(new java.io.PrintWriter(new java.io.StringWriter()));
    assertThat(cli.execute("call", "add", "1", "2", "--timeout", "soon")).isEqualTo(2);
  }
}
