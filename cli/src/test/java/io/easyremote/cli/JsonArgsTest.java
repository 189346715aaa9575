package io.easyremote.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.List;
import org.junit.jupiter.api.Test;

class JsonArgsTest {
  @Test
  void parse_jsonValues_keepTheirJsonTypes() {
    Object[] args = JsonArgs.parse(List.of("1", "\"two\"", "[1,2]", "{\"x\":1}", "true", "null", "2.5"));
    assertThat(((JsonNode) args[0]).isInt()).isTrue();
    assertThat(((JsonNode) args[0]).intValue()).isEqualTo(1);
    assertThat(((JsonNode) args[1]).textValue()).isEqualTo("two");
    assertThat(((JsonNode) args[2]).isArray()).isTrue();
    assertThat(((JsonNode) args[2]).size()).isEqualTo(2);
    assertThat(((JsonNode) args[3]).get("x").intValue()).isEqualTo(1);
    assertThat(((JsonNode) args[4]).booleanValue()).isTrue();
    assertThat(((JsonNode) args[5]).isNull()).isTrue();
    assertThat(((JsonNode) args[6]).doubleValue()).isEqualTo(2.5);
  }

  @Test
  void parse_notJson_isAPlainString() {
    Object[] args = JsonArgs.parse(List.of("hello", "hello world", "{broken", "", "1 2"));
    assertThat(args).extracting(a -> ((JsonNode) a).textValue())
        .containsExactly("hello", "hello world", "{broken", "", "1 2");
  }

  @Test
  void parse_noArguments_isEmpty() {
    assertThat(JsonArgs.parse(List.of())).isEmpty();
    assertThat(JsonArgs.parse((List<String>) null)).isEmpty();
  }
}
