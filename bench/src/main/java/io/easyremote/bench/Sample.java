package io.easyremote.bench;

import org.HdrHistogram.Histogram;

/** One round of one caller: how many calls, how long they took, and the latency percentiles. */
record Sample(long calls, long errors, double seconds, double p50Micros, double p99Micros, double meanMicros) {
  /** Summarises a histogram of nanosecond latencies collected over {@code seconds}. */
  static Sample of(Histogram nanos, long errors, double seconds) {
    return new Sample(nanos.getTotalCount(), errors, seconds,
        nanos.getValueAtPercentile(50) / 1000.0, nanos.getValueAtPercentile(99) / 1000.0, nanos.getMean() / 1000.0);
  }

  /** A single figure carried as a sample (in {@code meanMicros}), so it can be medianed over rounds. */
  static Sample value(double value) {
    return new Sample(1, 0, 0, value, value, value);
  }

  /** Completed calls per second. */
  double callsPerSecond() {
    return seconds > 0 ? calls / seconds : 0;
  }

  /** A histogram for nanosecond latencies up to 10 minutes, 3 significant digits. */
  static Histogram histogram() {
    return new Histogram(600_000_000_000L, 3);
  }
}
