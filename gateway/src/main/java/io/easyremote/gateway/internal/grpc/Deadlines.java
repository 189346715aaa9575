package io.easyremote.gateway.internal.grpc;

import java.time.Duration;
import java.util.concurrent.TimeUnit;

/** Reads the gRPC {@code grpc-timeout} header (Armeria does not copy it into the gRPC Context). */
public final class Deadlines {
  private Deadlines() {}

  /**
   * The absolute {@link System#nanoTime()} deadline for a call that started at {@code startNanos}
   * with the given header value, or {@code fallback} from then when the header is absent or bad.
   */
  public static long deadlineNanos(String grpcTimeout, long startNanos, Duration fallback) {
    long timeout = parse(grpcTimeout);
    return startNanos + (timeout > 0 ? timeout : fallback.toNanos());
  }

  /** The timeout in nanoseconds, or -1 when absent or malformed. Format: 1-8 digits then H, M, S, m, u or n. */
  static long parse(String value) {
    if (value == null || value.length() < 2 || value.length() > 9) {
      return -1;
    }
    long amount;
    try {
      amount = Long.parseLong(value.substring(0, value.length() - 1));
    } catch (NumberFormatException e) {
      return -1;
    }
    return switch (value.charAt(value.length() - 1)) {
      case 'H' -> TimeUnit.HOURS.toNanos(amount);
      case 'M' -> TimeUnit.MINUTES.toNanos(amount);
      case 'S' -> TimeUnit.SECONDS.toNanos(amount);
      case 'm' -> TimeUnit.MILLISECONDS.toNanos(amount);
      case 'u' -> TimeUnit.MICROSECONDS.toNanos(amount);
      case 'n' -> amount;
      default -> -1;
    };
  }
}
