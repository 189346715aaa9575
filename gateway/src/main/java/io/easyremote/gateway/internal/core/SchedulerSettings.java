package io.easyremote.gateway.internal.core;

import java.time.Duration;

/**
 * The limits the core enforces.
 *
 * @param maxPayloadBytes largest request or result payload
 * @param maxQueuedCallsPerFunction calls that may wait for a free node, per function
 * @param maxFunctionsPerNode functions one node may register
 * @param heartbeatInterval the interval nodes are told to heartbeat at
 */
public record SchedulerSettings(
    int maxPayloadBytes, int maxQueuedCallsPerFunction, int maxFunctionsPerNode, Duration heartbeatInterval) {}
