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
 * @param registrationGrace after the gateway starts listening, how long a call to a function no node offers waits for
 *     one to register (nodes reconnecting after a gateway restart) before FUNCTION_NOT_FOUND
 * @param ownershipHold how long function names and node ids stay bound to the token of an owner
 *     whose nodes all disconnected; zero = released at once
 */
public record SchedulerSettings(
    int maxPayloadBytes, int maxQueuedCallsPerFunction, int maxFunctionsPerNode, Duration heartbeatInterval,
    Duration nodeTimeout, Strategy defaultStrategy, Duration warmup, int ejectAfterFailures, Duration ejectBackoff,
    Duration registrationGrace, Duration ownershipHold) {

  /**
   * Silence after which a node is SUSPECT (no new calls; its running calls are moved or failed):
   * one and a half heartbeat intervals, half an interval after a ping it did not answer.
   */
  public long suspectAfterMillis() {
    return heartbeatInterval.toMillis() * 3 / 2;
  }

  /**
   * Silence after which a suspect node's calls that may run again (idempotent, nothing streamed
   * yet) move to other nodes: as soon as it is suspect, but never under one second, so that a node
   * on a busy machine with a short heartbeat interval is not robbed of calls it is about to answer.
   * A call that runs twice is harmless here; a call that waits for a dead node is not.
   */
  public long moveCallsAfterMillis() {
    return Math.max(suspectAfterMillis(), 1000);
  }

  /**
   * Silence after which a suspect node's other calls fail with NODE_LOST: five heartbeat
   * intervals, and never under five seconds (half the default node timeout). Later than moving
   * calls because failing a call the node may still finish costs its caller the answer, and a
   * node starved of CPU on a busy machine can stay silent for seconds.
   */
  public long failCallsAfterMillis() {
    return Math.max(5 * heartbeatInterval.toMillis(), 5000);
  }

  /**
   * How long after a node offering a function was lost (its stream broke, or it fell silent and
   * was given up) calls to it that find no node wait for one to register again instead of
   * failing with FUNCTION_NOT_FOUND: seven
   * seconds, like the default registration grace (a node's longest reconnect backoff, 5 s
   * jittered, plus a connection and its Hello), and never less than the node timeout. Each call
   * still ends at its own deadline.
   */
  public long lostFunctionWaitMillis() {
    return Math.max(7000, silenceLimitMillis());
  }

  /** Silence after which a node is given up: the node timeout, and never less than three intervals. */
  public long silenceLimitMillis() {
    return Math.max(nodeTimeout.toMillis(), 3 * heartbeatInterval.toMillis());
  }
}
