package io.easyremote.gateway.internal.balance;

import java.util.Arrays;

/**
 * A node's service-time estimate, robust to the noise of real machines. The estimate is unknown
 * (balancers treat it as a tie, so the node keeps getting a fair share) until the first samples
 * are in; those (JIT warm-up, cold caches) are summarised by their median; after that an EWMA follows, with
 * successful samples clipped to a few times the current estimate so one GC pause does not make a
 * node look slow, while failures enter at a penalty latency so a node that fails fast does not
 * attract traffic. An estimate nobody refreshed for a while decays, so an avoided node is probed
 * again. Not thread-safe: guarded by the scheduler lock.
 */
public final class LatencyEstimator {
  static final int LEARNING_SAMPLES = 5;
  static final int TRUSTED_AFTER = LEARNING_SAMPLES;
  private static final double ALPHA = 0.3;
  private static final double IDLE_GRACE_NANOS = 1e9;
  private static final double DECAY_NANOS = 2e9;

  private final double penaltyMillis;
  private final double[] learning = new double[LEARNING_SAMPLES];
  private int samples;
  private double ewma;
  private long lastNanos;

  /** @param penaltyMillis the latency a failed call counts as, at least */
  public LatencyEstimator(double penaltyMillis) {
    this.penaltyMillis = penaltyMillis;
  }

  /** Records one finished call. */
  public void observe(double millis, boolean failed, long nowNanos) {
    double sample = failed ? Math.max(millis, penaltyMillis) : millis;
    lastNanos = nowNanos;
    if (samples < LEARNING_SAMPLES) {
      learning[samples++] = sample;
      ewma = median(learning, samples);
      return;
    }
    samples++;
    if (!failed) {
      sample = Math.min(sample, 3 * ewma + 1);
    }
    ewma += ALPHA * (sample - ewma);
  }

  /**
   * The estimate in milliseconds, or NaN until enough samples arrived. It is optimistic in
   * proportion to how little is known ({@code 1 - 1/sqrt(samples)}, at least one half): a node
   * measured on a handful of cold calls gets more calls, so its figure is corrected instead of
   * starving it on the strength of JIT warm-up noise.
   */
  public double estimate(long nowNanos) {
    if (samples < TRUSTED_AFTER) {
      return Double.NaN;
    }
    double optimism = Math.max(0.5, 1 - 1 / Math.sqrt(samples));
    double idle = nowNanos - lastNanos - IDLE_GRACE_NANOS;
    return (idle <= 0 ? ewma : ewma * Math.exp(-idle / DECAY_NANOS)) * optimism;
  }

  /** The raw estimate for display, without decay; 0 when unknown. */
  public double displayMillis() {
    return samples == 0 ? 0 : ewma;
  }

  private static double median(double[] values, int n) {
    double[] sorted = Arrays.copyOf(values, n);
    Arrays.sort(sorted);
    return n % 2 == 1 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
  }
}
