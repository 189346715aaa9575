package io.easyremote.gateway.internal.balance;

import java.util.List;
import java.util.SplittableRandom;
import java.util.function.ToDoubleBiFunction;

/**
 * Power of two choices: samples two distinct candidates at random and keeps the one with the
 * lower score. Scores within a tie band (relative and absolute) count as equal and are broken at
 * random, so equivalent nodes share sequential traffic instead of chasing measurement noise. When
 * the score weighs measured latency, an idle node that loses is told ({@link Candidate#passedOver}),
 * so that a node measured slow by noise is tried again within a few calls. Lower scores are better.
 * Guarded by the caller's lock.
 */
public final class PowerOfTwoBalancer<N extends Candidate> implements Balancer<N> {
  private final ToDoubleBiFunction<N, Long> score;
  private final double relativeTie;
  private final double absoluteTie;
  private final boolean weighsLatency;
  private final SplittableRandom random = new SplittableRandom();

  /**
   * @param score the score of a candidate at a time; NaN means unknown and ties with anything
   * @param relativeTie scores within this factor of each other tie (e.g. 1.25)
   * @param absoluteTie scores closer than this tie
   * @param weighsLatency whether the score weighs the nodes' measured latency (then the idle loser
   *     of a comparison is told it was passed over)
   */
  public PowerOfTwoBalancer(ToDoubleBiFunction<N, Long> score, double relativeTie, double absoluteTie, boolean weighsLatency) {
    this.score = score;
    this.relativeTie = relativeTie;
    this.absoluteTie = absoluteTie;
    this.weighsLatency = weighsLatency;
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
    N winner = sa < sb ? a : b;
    N loser = winner == a ? b : a;
    if (weighsLatency && loser.inFlight() == 0) {
      loser.passedOver(); // a node with calls running is re-measured by them; an idle one only by being tried
    }
    return winner;
  }

  private boolean ties(double sa, double sb) {
    double low = Math.min(sa, sb);
    double high = Math.max(sa, sb);
    return high - low <= absoluteTie || high <= low * relativeTie;
  }
}
