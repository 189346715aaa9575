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
 * @param idempotencyKey a caller-chosen key that de-duplicates repeats of this call, or null
 * @param maxAttempts how many nodes may be tried when one is lost mid-call (at least 1)
 * @param retryNonIdempotent whether a lost call may be re-run even though the function is not idempotent
 * @param grant what the authenticated caller may do
 */
public record CallRequestSpec(
    String function, String pinnedNode, Payload payload, String caller, long deadlineNanos, boolean stream, int initialCredits,
    Strategy strategy, Requirements requirements, String idempotencyKey, int maxAttempts, boolean retryNonIdempotent,
    CallGrant grant) {

  /** A call with every option, from an open gateway. */
  public CallRequestSpec(
      String function, String pinnedNode, Payload payload, String caller, long deadlineNanos, boolean stream, int initialCredits,
      Strategy strategy, Requirements requirements, String idempotencyKey, int maxAttempts, boolean retryNonIdempotent) {
    this(function, pinnedNode, payload, caller, deadlineNanos, stream, initialCredits, strategy, requirements, idempotencyKey,
        maxAttempts, retryNonIdempotent, CallGrant.OPEN);
  }

  /** The same call made by a caller with this grant. */
  public CallRequestSpec withGrant(CallGrant newGrant) {
    return new CallRequestSpec(function, pinnedNode, payload, caller, deadlineNanos, stream, initialCredits, strategy, requirements,
        idempotencyKey, maxAttempts, retryNonIdempotent, newGrant);
  }

  /**
   * The longest timeout a front end accepts for a call or a job (REST's {@code ?timeout=}, a job's,
   * a node's default for MCP, which is capped): a year, where deadlines in nanoseconds are far
   * from overflowing.
   */
  public static final java.time.Duration MAX_TIMEOUT = java.time.Duration.ofDays(365);

  /** Attempts for an idempotent call whose node is lost, when the caller did not say. */
  public static final int DEFAULT_FAILOVER_ATTEMPTS = 3;

  /** A call with routing options and the default failover behaviour. */
  public CallRequestSpec(
      String function, String pinnedNode, Payload payload, String caller, long deadlineNanos, boolean stream, int initialCredits,
      Strategy strategy, Requirements requirements) {
    this(function, pinnedNode, payload, caller, deadlineNanos, stream, initialCredits, strategy, requirements, null,
        DEFAULT_FAILOVER_ATTEMPTS, false);
  }

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
