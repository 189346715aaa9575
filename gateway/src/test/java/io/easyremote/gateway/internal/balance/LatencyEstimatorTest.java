package io.easyremote.gateway.internal.balance;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import org.junit.jupiter.api.Test;

class LatencyEstimatorTest {
  private static LatencyEstimator learned(double millis) {
    LatencyEstimator estimator = new LatencyEstimator(1000);
    for (int i = 0; i < 100; i++) {
      estimator.observe(millis, false, 0);
    }
    return estimator;
  }

  @Test
  void passedOver_makesAWellMeasuredEstimateMoreOptimistic_downToHalf_untilTheNextSample() {
    LatencyEstimator estimator = learned(10);
    double measured = estimator.estimate(0);
    estimator.passedOver();
    assertThat(estimator.estimate(0)).isCloseTo(measured * LatencyEstimator.PASSED_OVER_FACTOR, within(1e-9));
    for (int i = 1; i < LatencyEstimator.FIRST_PROBE_AFTER - 1; i++) {
      estimator.passedOver();
    }
    assertThat(estimator.estimate(0)).isCloseTo(10 * LatencyEstimator.MIN_OPTIMISM, within(1e-9));
    estimator.observe(10, false, 0);
    assertThat(estimator.estimate(0)).isGreaterThan(measured); // a sixth sample: less optimism, no pass-over factor
  }

  @Test
  void thinlyMeasuredEstimate_isNeverBelowHalfTheMeasuredFigure_whenPassedOver() {
    LatencyEstimator estimator = new LatencyEstimator(1000);
    for (int i = 0; i < LatencyEstimator.LEARNING_SAMPLES; i++) {
      estimator.observe(10, false, 0);
    }
    estimator.passedOver();
    estimator.passedOver();
    assertThat(estimator.estimate(0)).isCloseTo(10 * LatencyEstimator.MIN_OPTIMISM, within(1e-9));
  }

  @Test
  void passedOverManyCallsInARow_isUnknownAgain_aProbe_whoseWaitDoublesWhileProbesFindItSlow() {
    LatencyEstimator estimator = learned(10);
    int[] waits = new int[4];
    for (int probe = 0; probe < waits.length; probe++) {
      while (!Double.isNaN(estimator.estimate(0))) {
        estimator.passedOver();
        waits[probe]++;
      }
      estimator.observe(10, false, 0); // the probe: as slow as estimated
      assertThat(estimator.estimate(0)).isNotNaN();
    }
    assertThat(waits).containsExactly(8, 16, 32, 64);
    for (int probe = 0; probe < 8; probe++) { // 128, 256, ... and no further than the last wait
      for (int i = 0; i < 2_000; i++) {
        estimator.passedOver();
      }
      estimator.observe(10, false, 0);
    }
    assertThat(estimator.probeAfter()).isEqualTo(LatencyEstimator.LAST_PROBE_AFTER);
  }

  @Test
  void aProbeThatFindsTheNodeFaster_bringsTheNextProbeBackToTheFirstWait() {
    LatencyEstimator estimator = learned(10);
    for (int probe = 0; probe < 3; probe++) { // the wait grows to 64
      while (!Double.isNaN(estimator.estimate(0))) {
        estimator.passedOver();
      }
      estimator.observe(10, false, 0);
    }
    assertThat(estimator.probeAfter()).isEqualTo(64);
    while (!Double.isNaN(estimator.estimate(0))) {
      estimator.passedOver();
    }
    estimator.observe(2, false, 0);
    assertThat(estimator.probeAfter()).isEqualTo(LatencyEstimator.FIRST_PROBE_AFTER);
    estimator.observe(10, false, 0); // an ordinary sample, not a probe's: the wait stays
    assertThat(estimator.probeAfter()).isEqualTo(LatencyEstimator.FIRST_PROBE_AFTER);
  }

  @Test
  void unknownEstimate_staysUnknown_whenPassedOver() {
    LatencyEstimator estimator = new LatencyEstimator(1000);
    estimator.passedOver();
    assertThat(estimator.estimate(0)).isNaN();
  }
}
