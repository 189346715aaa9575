package io.easyremote.cli;

import java.time.Duration;
import java.time.format.DateTimeParseException;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.TypeConversionException;

/** Parses {@code 500ms}, {@code 5s}, {@code 2m}, {@code 1h} or ISO-8601 ({@code PT5S}). */
final class Durations implements ITypeConverter<Duration> {
  @Override
  public Duration convert(String value) {
    return parse(value);
  }

  static Duration parse(String value) {
    String v = value.trim();
    try {
      if (v.startsWith("P") || v.startsWith("p")) {
        return Duration.parse(v);
      }
      if (v.endsWith("ms")) {
        return Duration.ofMillis(Long.parseLong(v.substring(0, v.length() - 2)));
      }
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
    } catch (NumberFormatException | DateTimeParseException | StringIndexOutOfBoundsException e) {
      // fall through to the error below
    }
    throw new TypeConversionException("'" + value + "' is not a duration: use 500ms, 5s, 2m, 1h or ISO-8601 like PT5S");
  }
}
