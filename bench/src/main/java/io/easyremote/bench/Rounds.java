package io.easyremote.bench;

import io.easyremote.bench.callers.Caller;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/** Same-run A/B: every caller is warmed up, then measured once per round in a rotating order. */
final class Rounds {
  private Rounds() {}

  /**
   * Warms each caller up for {@code warmup}: half with 4 concurrent callers, half with one, so the
   * JIT has seen both the concurrent and the sequential path before anything is measured.
   */
  static void warmUp(List<Caller> callers, Duration warmup) throws Exception {
    for (Caller c : callers) {
      Load.closedLoop(c, 4, warmup.dividedBy(2));
      Load.closedLoop(c, 1, warmup.dividedBy(2));
    }
  }

  /** {@code rounds} rounds of {@code calls} sequential calls per caller. */
  static void sequential(List<Caller> callers, Settings settings, int rounds, int calls, Medians into) throws Exception {
    warmUp(callers, settings.warmup());
    for (int r = 0; r < rounds; r++) {
      for (Caller c : rotated(callers, r)) {
        into.add(c.name(), Load.sequential(c, calls));
      }
    }
  }

  /** {@code callers} rotated left by {@code round}, so no path always goes first. */
  static List<Caller> rotated(List<Caller> callers, int round) {
    List<Caller> order = new ArrayList<>(callers);
    Collections.rotate(order, -(round % Math.max(1, order.size())));
    return order;
  }
}
