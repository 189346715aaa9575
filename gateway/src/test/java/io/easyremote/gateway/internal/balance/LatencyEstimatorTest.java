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
    for (int i = 0; i < 20; i++) {
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
  void unknownEstimate_staysUnknown_whenPassedOver() {
    LatencyEstimator estimator = new LatencyEstimator(1000);
    estimator.passedOver();
    assertThat(estimator.estimate(0)).isNaN();
  }
}
