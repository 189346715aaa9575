package io.easyremote.protocol.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Random;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

class NamesTest {
  /** The regular expressions the checks replaced: they must accept exactly the same names. */
  private static final Pattern FUNCTION = Pattern.compile("[A-Za-z_][A-Za-z0-9_.\\-]*");
  private static final Pattern NODE_ID = Pattern.compile("[A-Za-z0-9_][A-Za-z0-9_.\\-:@]*");
  private static final String ALPHABET = "aZ09_.-:@ /\\é٣\u0000*?Aa";

  @Test
  void checks_acceptWhatTheRegularExpressionsAccepted() {
    Random random = new Random(42);
    int accepted = 0;
    for (int i = 0; i < 50_000; i++) {
      StringBuilder name = new StringBuilder();
      int length = 1 + random.nextInt(6);
      for (int j = 0; j < length; j++) {
        name.append(ALPHABET.charAt(random.nextInt(ALPHABET.length())));
      }
      String s = name.toString();
      assertThat(Names.functionNameProblem(s) == null).as("function name %s", s).isEqualTo(FUNCTION.matcher(s).matches());
      assertThat(Names.nodeIdProblem(s) == null).as("node id %s", s).isEqualTo(NODE_ID.matcher(s).matches());
      accepted += Names.functionNameProblem(s) == null ? 1 : 0;
    }
    assertThat(accepted).as("some names were valid").isGreaterThan(100);
  }

  @Test
  void problems_sayWhatIsWrong() {
    assertThat(Names.functionNameProblem("")).isEqualTo("function name is empty");
    assertThat(Names.functionNameProblem("9lives")).contains("must start with a letter or '_'");
    assertThat(Names.functionNameProblem("a".repeat(Names.MAX_LENGTH + 1))).contains("longer than 128");
    assertThat(Names.functionNameProblem("image.resize-v2")).isNull();
    assertThat(Names.nodeIdProblem("gpu-box@lab:1")).isNull();
    assertThat(Names.nodeIdProblem("gpu box")).contains("may contain only");
  }
}
