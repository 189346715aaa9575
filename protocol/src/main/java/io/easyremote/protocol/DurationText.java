package io.easyremote.protocol;

import java.time.Duration;
import java.time.format.DateTimeParseException;

/** Durations as people type them: {@code 500ms}, {@code 5s}, {@code 2m}, {@code 1h}, or ISO-8601 ({@code PT5S}). */
public final class DurationText {
  private DurationText() {}

  /**
   * Parses a duration.
   *
   * @throws IllegalArgumentException naming the accepted forms
   */
  public static Duration parse(String text) {
    String v = text == null ? "" : text.trim();
    try {
      if (v.startsWith("P") || v.startsWith("p")) {
        return Duration.parse(v.toUpperCase(java.util.Locale.ROOT));
      }
      if (v.endsWith("ms")) {
        return Duration.ofMillis(Long.parseLong(v.substring(0, v.length() - 2)));
      }
      if (v.length() >= 2) {
        long amount = Long.parseLong(v.substring(0, v.length() - 1));
        switch (v.charAt(v.length() - 1)) {
          case 's':
            return Duration.ofSeconds(amount);
          case 'm':
            return Duration.ofMinutes(amount);
          case 'h':
            return Duration.ofHours(amount);
          default:
            break;
        }
      }
    } catch (NumberFormatException | DateTimeParseException | ArithmeticException e) {
      // fall through (ArithmeticException: more hours or minutes than a Duration holds)
    }
    throw new IllegalArgumentException("'" + text + "' is not a duration: use 500ms, 5s, 2m, 1h or ISO-8601 like PT5S");
  }
}
