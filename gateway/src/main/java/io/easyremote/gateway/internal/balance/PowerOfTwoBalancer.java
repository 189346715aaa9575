package io.easyremote.gateway.internal.balance;

import java.util.List;
import java.util.SplittableRandom;
import java.util.function.ToDoubleBiFunction;

/**
 * Power of two choices: samples two distinct candidates at random and keeps the one with the
 * lower score. Scores within a tie band (relative and absolute) count as equal and are broken at
 * random, so equivalent nodes share sequential traffic instead of chasing measurement noise.
 * Lower scores are better. Guarded by the caller's lock.
 */
public final class PowerOfTwoBalancer<N extends Candidate> implements Balancer<N> {
  private final ToDoubleBiFunction<N, Long> score;
  private final double relativeTie;
  private final double absoluteTie;
  private final SplittableRandom random = new SplittableRandom();

  /**
   * @param score the score of a candidate at a time; NaN means unknown and ties with anything
   * @param relativeTie scores within this factor of each other tie (e.g. 1.25)
   * @param absoluteTie scores closer than this tie
   */
  public PowerOfTwoBalancer(ToDoubleBiFunction<N, Long> score, double relativeTie, double absoluteTie) {
    this.score = score;
    this.relativeTie = relativeTie;
    this.absoluteTie = absoluteTie;
  }

  @Override
  public N pick(String function, List<N> candidates, long nowNanos) {
    int n = candidates.size();
    if (n == 1) {
      return candidates.get(0);
    }
    int i = random.nextInt(n);
    int j = random.nextInt(n - 1);
    if (j >= i) {
      j++;
    }
    N a = candidates.get(i);
    N b = candidates.get(j);
    double sa = score.applyAsDouble(a, nowNanos);
    double sb = score.applyAsDouble(b, nowNanos);
    if (Double.isNaN(sa) || Double.isNaN(sb) || ties(sa, sb)) {
      return random.nextBoolean() ? a : b;
    }
    return sa < sb ? a : b;
  }

  private boolean ties(double sa, double sb) {
    double low = Math.min(sa, sb);
    double high = Math.max(sa, sb);
    return high - low <= absoluteTie || high <= low * relativeTie;
  }
}
