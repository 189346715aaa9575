package io.easyremote.gateway.internal.core;

/**
 * Where the routing core gets time and timers: the system's ({@link SystemClock}) in a gateway, a
 * fake one that tests move by hand, so deadlines, health checks and ejections are checked in
 * milliseconds without sleeping.
 */
public interface Clock {
  /** Monotonic time for deadlines and durations, as {@link System#nanoTime()}. */
  long nanoTime();

  /** Wall-clock milliseconds, as {@link System#currentTimeMillis()}: node silence and status. */
  long millis();

  /** Runs {@code task} once after {@code delayNanos} (at once when not positive) on the timer thread. */
  Timer schedule(Runnable task, long delayNanos);

  /**
   * Runs {@code task} every {@code periodNanos}, the first time one period from now; each run is
   * one period after the previous one ended, so runs missed during a stall are not made up.
   */
  Timer repeat(Runnable task, long periodNanos);

  /** A scheduled task. */
  interface Timer {
    /** Stops it if it has not run yet (a repeating one runs no more); harmless when it already ran. */
    void cancel();
  }
}
