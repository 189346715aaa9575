package io.easyremote.bench;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.ToDoubleFunction;

/** Samples of several callers over rounds; each figure reported is the median over the rounds. */
final class Medians {
  private final Map<String, List<Sample>> byCaller = new LinkedHashMap<>();

  void add(String caller, Sample sample) {
    byCaller.computeIfAbsent(caller, k -> new ArrayList<>()).add(sample);
  }

  boolean has(String caller) {
    return byCaller.containsKey(caller);
  }

  /** The median of {@code figure} over the rounds of {@code caller}; NaN when it has none. */
  double median(String caller, ToDoubleFunction<Sample> figure) {
    List<Sample> samples = byCaller.get(caller);
    if (samples == null || samples.isEmpty()) {
      return Double.NaN;
    }
    return of(samples.stream().mapToDouble(figure).toArray());
  }

  /** {@code a / b} of the medians, NaN when either is missing. */
  double ratio(String a, String b, ToDoubleFunction<Sample> figure) {
    return median(a, figure) / median(b, figure);
  }

  /** The median of some values (the mean of the middle two for an even count). */
  static double of(double... values) {
    double[] sorted = values.clone();
    Arrays.sort(sorted);
    int n = sorted.length;
    return n == 0 ? Double.NaN : n % 2 == 1 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
  }
}
