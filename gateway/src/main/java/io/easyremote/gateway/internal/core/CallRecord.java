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
 */
public record CallRecord(
    long callId, String function, String nodeId, String caller, ErrorCode error, long queuedNanos, long totalNanos,
    boolean stream, long items) {}
