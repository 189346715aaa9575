package io.easyremote.gateway.internal.core;

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
 */
public record CallRequestSpec(
    String function, String pinnedNode, Payload payload, String caller, long deadlineNanos, boolean stream, int initialCredits) {

  /** A unary call. */
  public static CallRequestSpec unary(String function, String pinnedNode, Payload payload, String caller, long deadlineNanos) {
    return new CallRequestSpec(function, pinnedNode, payload, caller, deadlineNanos, false, 0);
  }
}
