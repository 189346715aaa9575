package io.easyremote.store.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Random;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/** The ledger's id shapes accept exactly what the regular expressions they replaced accepted. */
class IdShapeTest {
  private static final String ALPHABET = "aZ09._@-: ~!\u007f\u0000\t\u00e9\u4e2d/+=";

  @Test
  void shapes_agreeWithTheirRegularExpressions_onRandomStrings() {
    Object[][] pairs = {
        {new IdShape(IdShape.lettersDigitsAnd("._@-"), 1, 128), Pattern.compile("[A-Za-z0-9._@-]{1,128}")},
        {new IdShape(IdShape.lettersDigitsAnd("._-"), 1, 128), Pattern.compile("[A-Za-z0-9._-]{1,128}")},
        {new IdShape(ch -> ch >= 0x21 && ch <= 0x7e, 1, 160), Pattern.compile("[\\x21-\\x7e]{1,160}")},
        {new IdShape(ch -> ch >= 0x20 && ch <= 0x7e, 0, 128), Pattern.compile("[\\x20-\\x7e]{0,128}")}};
    Random random = new Random(42);
    int accepted = 0;
    for (int i = 0; i < 20_000; i++) {
      StringBuilder id = new StringBuilder();
      int length = random.nextInt(8) == 0 ? 120 + random.nextInt(50) : random.nextInt(12);
      boolean plain = random.nextBoolean(); // half the strings from the commonest characters only, so that many pass
      for (int k = 0; k < length; k++) {
        id.append(plain ? "aZ09._-".charAt(random.nextInt(7)) : ALPHABET.charAt(random.nextInt(ALPHABET.length())));
      }
      for (Object[] pair : pairs) {
        boolean expected = ((Pattern) pair[1]).matcher(id).matches();
        assertThat(((IdShape) pair[0]).matches(id.toString())).as("%s on '%s'", pair[1], id).isEqualTo(expected);
        accepted += expected ? 1 : 0;
      }
    }
    assertThat(accepted).as("both outcomes were tried").isBetween(1_000, 79_000);
  }
}
