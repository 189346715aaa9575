package io.easyremote.gateway.internal.credits;

import io.easyremote.protocol.ErrorCode;

/**
 * What a completed call is charged, under the policy in {@code docs/credits.md}: what the node did
 * for the caller, never more than the call reserved.
 */
final class ChargePolicy {
  private ChargePolicy() {}

  /**
   * The charge of a call at {@code price} that reserved {@code maxCharge}. A call that never reached
   * a node, or failed through no doing of its caller (the node lost, a node-side or gateway error),
   * is free; one that delivered its result (or the function's own failure) pays the per-call price
   * and its seconds; one its deadline or its caller's cancel cut short pays its seconds only, unless
   * it was a stream that delivered items ({@code items}): those delivered what the per-call price
   * buys, and pay it.
   */
  static long charge(Price price, long maxCharge, ErrorCode error, boolean reachedNode, long executionMillis, long items) {
    if (!reachedNode) {
      return 0;
    }
    long perSecondPart = price.perSecond() == 0 ? 0 : multiplyCapped(price.perSecond(), executionMillis) / 1000;
    boolean delivered = error == null || error == ErrorCode.FUNCTION_FAILED
        || (items > 0 && (error == ErrorCode.DEADLINE_EXCEEDED || error == ErrorCode.CANCELLED));
    long charge;
    if (delivered) {
      charge = perSecondPart > Long.MAX_VALUE - price.perCall() ? Long.MAX_VALUE : price.perCall() + perSecondPart;
    } else if (error == ErrorCode.DEADLINE_EXCEEDED || error == ErrorCode.CANCELLED) {
      charge = perSecondPart;
    } else {
      return 0; // NODE_LOST, node-side and gateway errors, OVERLOADED from the node: not the caller's doing
    }
    return Math.max(0, Math.min(charge, maxCharge));
  }

  /** {@code a * b}, or {@link Long#MAX_VALUE} when that overflows (both are not negative). */
  private static long multiplyCapped(long a, long b) {
    long high = Math.multiplyHigh(a, b);
    return high != 0 ? Long.MAX_VALUE : a * b < 0 ? Long.MAX_VALUE : a * b;
  }
}
