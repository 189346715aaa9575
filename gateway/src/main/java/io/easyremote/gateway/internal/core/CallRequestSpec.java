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
 */
public record CallRequestSpec(String function, String pinnedNode, Payload payload, String caller, long deadlineNanos) {}
