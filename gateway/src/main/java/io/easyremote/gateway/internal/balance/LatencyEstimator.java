package io.easyremote.gateway.internal.balance;

import java.util.Arrays;

/**
 * A node's service-time estimate, robust to the noise of real machines. The estimate is unknown
 * (balancers treat it as a tie, so the node keeps getting a fair share) until the first samples
 * are in; those (JIT warm-up, cold caches) are summarised by their median; after that an EWMA follows, with
 * successful samples clipped to a few times the current estimate so one GC pause does not make a
 * node look slow, while failures enter at a penalty latency so a node that fails fast does not
 * attract traffic. An avoided node is probed again: each call a balancer gives another node
 * instead, while this one has nothing running to refresh its figure, makes its estimate more
 * optimistic, down to half of it ({@link #passedOver}); a node passed over many calls in a row
 * is probed, with a backoff while probes confirm it is slow ({@link #probeAfter}); and an estimate
 * nobody refreshed for a while decays. Not thread-safe: guarded by the scheduler lock.
 */
public final class LatencyEstimator {
  static final int LEARNING_SAMPLES = 5;
  static final int TRUSTED_AFTER = LEARNING_SAMPLES;
  private static final double ALPHA = 0.3;
  private static final double IDLE_GRACE_NANOS = 1e9;
  private static final double DECAY_NANOS = 2e9;
  /** How much more optimistic each call passed over makes the estimate, within {@link #MIN_OPTIMISM}. */
  static final double PASSED_OVER_FACTOR = 0.9;
  /**
   * The most optimism, from few samples and calls passed over together: an estimate is never below
   * half the measured figure. So a node measured up to 2.5 times slower than another by noise alone
   * is tied with it again, and tried, within a few calls; a node clearly slower than that stays
   * avoided.
   */
  static final double MIN_OPTIMISM = 0.5;
  /** Calls passed over in a row after which an estimate is unknown again, so the node is tried at random (a probe). */
  static final int FIRST_PROBE_AFTER = 8;
  /**
   * The longest wait between probes: each probe that finds the node no faster than its estimate
   * doubles the wait from {@link #FIRST_PROBE_AFTER} up to this; one that finds it faster starts again.
   */
  static final int LAST_PROBE_AFTER = 1024;

  private final double penaltyMillis;
  private final double[] learning = new double[LEARNING_SAMPLES];
  private int samples;
  private double ewma;
  private long lastNanos;
  private double passedOverFactor = 1;
  /** Calls passed over since the last sample. */
  private int passes;
  /** How many passes make the next probe. */
  private int probeAfter = FIRST_PROBE_AFTER;

  /** @param penaltyMillis the latency a failed call counts as, at least */
  public LatencyEstimator(double penaltyMillis) {
    this.penaltyMillis = penaltyMillis;
  }

  /** Records one finished call. */
  public void observe(double millis, boolean failed, long nowNanos) {
    double sample = failed ? Math.max(millis, penaltyMillis) : millis;
    lastNanos = nowNanos;
    passedOverFactor = 1;
    if (passes >= probeAfter) { // the answer to a probe
      probeAfter = sample < ewma ? FIRST_PROBE_AFTER : Math.min(LAST_PROBE_AFTER, 2 * probeAfter);
    }
    passes = 0;
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
   * A balancer sent a call elsewhere because this node's score was worse, while this node had no
   * call running: nothing will refresh its estimate but a call, so the estimate grows more
   * optimistic ({@link #PASSED_OVER_FACTOR} each time, within {@link #MIN_OPTIMISM}) until the next
   * sample resets it. Without this, equal nodes measured apart by a burst of noise on a busy machine
   * served every sequential call on one of them for seconds, until the other's estimate decayed.
   * Optimism alone stops at half the figure: a node that a longer stall (a GC pause, a CI machine
   * busy elsewhere) measured several times slower than its peer waits for a probe ({@link #probeAfter}).
   */
  public void passedOver() {
    passes++;
    passedOverFactor = Math.max(MIN_OPTIMISM, passedOverFactor * PASSED_OVER_FACTOR);
  }

  /**
   * The estimate in milliseconds, or NaN until enough samples arrived. It is optimistic in
   * proportion to how little is known: {@code 1 - 1/sqrt(samples)}, times {@link #PASSED_OVER_FACTOR}
   * for each call the node was passed over for since its last sample, never below
   * {@link #MIN_OPTIMISM}. A node measured on a handful of cold calls, or measured slow by a burst
   * of noise, gets calls again, so its figure is corrected instead of starving it. After
   * {@link #probeAfter} calls passed over in a row it is NaN again until the next sample: a probe.
   */
  public double estimate(long nowNanos) {
    if (samples < TRUSTED_AFTER || passes >= probeAfter) {
      return Double.NaN;
    }
    double optimism = Math.max(MIN_OPTIMISM, (1 - 1 / Math.sqrt(samples)) * passedOverFactor);
    double idle = nowNanos - lastNanos - IDLE_GRACE_NANOS;
    return (idle <= 0 ? ewma : ewma * Math.exp(-idle / DECAY_NANOS)) * optimism;
  }

  /**
   * How many calls in a row this node may be passed over before it is probed: {@link #FIRST_PROBE_AFTER}
   * at first and after a probe that found it faster than estimated, doubled (up to
   * {@link #LAST_PROBE_AFTER}) after each probe that did not. So a node measured slow by a stall is
   * re-measured within some tens of calls, and one that really is slow costs its peers a probe in
   * about a thousand calls once the backoff has grown.
   */
  int probeAfter() {
    return probeAfter;
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
