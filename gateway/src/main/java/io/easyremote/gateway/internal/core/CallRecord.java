package io.easyremote.gateway.internal.core;

import io.easyremote.protocol.ErrorCode;

/**
 * What happened to one finished call, for metrics, logs and the dashboard.
 *
 * @param callId the gateway's call id
 * @param function the function called
 * @param nodeId the node that ran it, or null if it never reached one
 * @param caller the caller identity
 * @param error null when the call succeeded, else why it failed
 * @param queuedNanos time spent waiting for a free node
 * @param totalNanos time from arrival to completion
 * @param stream whether it was a streaming call
 * @param items items streamed (streams only)
 * @param principal the caller's client key name, or null (anonymous, or a gateway without keys)
 * @param bytesIn the request's payload size
 * @param bytesOut the result's payload size (every item of a stream)
 * @param replay whether it took the outcome of an earlier call with the same idempotency key (or
 *     was refused by that key's check): {@code nodeId} names the node that ran the earlier call,
 *     and this one ran nowhere (not metered, not counted against quotas, not charged)
 */
public record CallRecord(
    long callId, String function, String nodeId, String caller, ErrorCode error, long queuedNanos, long totalNanos,
    boolean stream, long items, String principal, long bytesIn, long bytesOut, boolean replay) {

  /** A record without the caller's key name and sizes, of a call that is not a replay. */
  public CallRecord(long callId, String function, String nodeId, String caller, ErrorCode error, long queuedNanos, long totalNanos,
      boolean stream, long items) {
    this(callId, function, nodeId, caller, error, queuedNanos, totalNanos, stream, items, null, 0, 0, false);
  }

  /** Time from the last dispatch to completion (0 when it never reached a node). */
  public long executionNanos() {
    return nodeId == null ? 0 : Math.max(0, totalNanos - queuedNanos);
  }
}
