package io.easyremote.bench;

import io.easyremote.bench.callers.Caller;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/** Same-run A/B: every caller is warmed up, then measured once per round in a rotating order. */
final class Rounds {
  private Rounds() {}

  /** Warms each caller up with a few concurrent callers for the configured warm-up time. */
  static void warmUp(List<Caller> callers, Duration warmup) throws Exception {
    for (Caller c : callers) {
      Load.closedLoop(c, 4, warmup);
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
