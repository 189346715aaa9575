package io.easyremote.gateway.internal.core;

import io.easyremote.protocol.Strategy;
import io.easyremote.protocol.wire.Payload;

/**
 * One call as the core sees it, whichever front end it came from.
 *
 * @param function the function name
 * @param pinnedNode a node id the call must run on, or null
 * @param payload the arguments, forwarded untouched
 * @param caller the caller identity used for fairness and logs
 * @param deadlineNanos the absolute {@link System#nanoTime()} deadline
 * @param stream whether the caller reads a stream of items (its sink is a {@link StreamSink})
 * @param initialCredits for a stream: the items the caller is ready for before it grants more
 * @param strategy how to choose the node, or null for the gateway's default
 * @param requirements what the node must offer
 */
public record CallRequestSpec(
    String function, String pinnedNode, Payload payload, String caller, long deadlineNanos, boolean stream, int initialCredits,
    Strategy strategy, Requirements requirements) {

  /** A call with the gateway's default strategy and no requirements. */
  public CallRequestSpec(
      String function, String pinnedNode, Payload payload, String caller, long deadlineNanos, boolean stream, int initialCredits) {
    this(function, pinnedNode, payload, caller, deadlineNanos, stream, initialCredits, null, Requirements.NONE);
  }

  /** A unary call. */
  public static CallRequestSpec unary(String function, String pinnedNode, Payload payload, String caller, long deadlineNanos) {
    return new CallRequestSpec(function, pinnedNode, payload, caller, deadlineNanos, false, 0, null, Requirements.NONE);
  }
}
