package io.easyremote.gateway.internal.core;

import io.easyremote.protocol.Strategy;
import java.time.Duration;

/**
 * The limits the core enforces.
 *
 * @param maxPayloadBytes largest request or result payload
 * @param maxQueuedCallsPerFunction calls that may wait for a free node, per function
 * @param maxFunctionsPerNode functions one node may register
 * @param heartbeatInterval the interval nodes are told to heartbeat at
 * @param nodeTimeout how long an open but silent node is kept before it is given up; at least
 *     three heartbeat intervals apply (see {@link #silenceLimitMillis()})
 * @param defaultStrategy the strategy of calls that name none
 * @param warmup how long a new node gets a ramped share of traffic; zero = none
 * @param ejectAfterFailures consecutive failures that eject a node for a back-off period; 0 = never
 * @param ejectBackoff the first ejection's length; it doubles on each repeat, up to 30 s
 * @param registrationGrace after start, how long a call to a function no node offers waits for
 *     one to register (nodes reconnecting after a gateway restart) before FUNCTION_NOT_FOUND
 */
public record SchedulerSettings(
    int maxPayloadBytes, int maxQueuedCallsPerFunction, int maxFunctionsPerNode, Duration heartbeatInterval,
    Duration nodeTimeout, Strategy defaultStrategy, Duration warmup, int ejectAfterFailures, Duration ejectBackoff,
    Duration registrationGrace) {

  /** Silence after which a node gets no new calls: two heartbeat intervals. */
  public long suspectAfterMillis() {
    return 2 * heartbeatInterval.toMillis();
  }

  /** Silence after which a node is given up: the node timeout, and never less than three intervals. */
  public long silenceLimitMillis() {
    return Math.max(nodeTimeout.toMillis(), 3 * heartbeatInterval.toMillis());
  }
}
