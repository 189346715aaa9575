package io.easyremote.gateway.internal.security;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Random;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

class GlobTest {
  @Test
  void star_matchesEveryName_andALiteralOnlyItself() {
    assertThat(Glob.of("*").matches("image.resize")).isTrue();
    assertThat(Glob.of("*").matches("")).isTrue();
    assertThat(Glob.of("echo").matches("echo")).isTrue();
    assertThat(Glob.of("echo").matches("echo2")).isFalse();
    assertThat(Glob.of("a.b").matches("axb")).as("'.' is literal").isFalse();
    assertThat(Glob.anyMatches(List.of(Glob.of("x"), Glob.of("img.*")), "img.resize")).isTrue();
  }

  @Test
  void everyPattern_matchesAsItsRegularExpressionDoes() {
    String alphabet = "ab.*?";
    Random random = new Random(7);
    for (int i = 0; i < 20_000; i++) {
      String pattern = randomText(random, alphabet, 1 + random.nextInt(4));
      String name = randomText(random, "ab.", random.nextInt(5));
      assertThat(Glob.of(pattern).matches(name)).as("%s against %s", pattern, name).isEqualTo(regexOf(pattern).matcher(name).matches());
    }
  }

  private static String randomText(Random random, String alphabet, int length) {
    StringBuilder s = new StringBuilder();
    for (int j = 0; j < length; j++) {
      s.append(alphabet.charAt(random.nextInt(alphabet.length())));
    }
    return s.toString();
  }

  /** How a glob was matched before its fast paths: always as a regular expression. */
  private static Pattern regexOf(String glob) {
    StringBuilder regex = new StringBuilder();
    for (char c : glob.toCharArray()) {
      regex.append(c == '*' ? ".*" : c == '?' ? "." : Pattern.quote(String.valueOf(c)));
    }
    return Pattern.compile(regex.toString());
  }
}
