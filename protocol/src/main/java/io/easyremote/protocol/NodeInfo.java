package io.easyremote.protocol;

import java.time.Instant;
import java.util.List;
import java.util.Map;

/**
 * A snapshot of one connected compute node, as the gateway sees it.
 *
 * @param id the node id (defaults to {@code hostname-pid} on the node)
 * @param state {@code HEALTHY}, {@code WARMING} (new, given a ramped share), {@code SUSPECT} (heartbeats late: no new
 *     calls), {@code EJECTED} (failing: no new calls until a back-off passes) or {@code DRAINING}
 * @param labels owner-set labels such as {@code gpu=rtx4090}
 * @param resources the latest heartbeat's resource figures
 * @param maxConcurrency the most calls the node runs at once
 * @param inFlight calls running on the node now
 * @param functions names of the functions it offers
 * @param connectedAt when its current session started
 * @param lastHeartbeat when the gateway last heard from it
 * @param callsServed calls it answered, with a result or a caller's error (bad arguments, a cancel)
 * @param callsFailed calls that failed through it: the function threw, or an internal error
 * @param ewmaLatencyMillis exponentially weighted service time, in milliseconds
 * @param errorRate exponentially weighted share of failed calls, 0..1
 * @param cost the declared cost per call
 * @param version the node's EasyRemote version
 * @param gatewayId in a cluster of gateways, the gateway the node is connected to (where its calls
 *     run); empty outside a cluster. Only the id, functions, capacity, state, labels and cost of a
 *     node on another gateway are known; its load figures read 0.
 */
public record NodeInfo(
    String id,
    String state,
    Map<String, String> labels,
    NodeResources resources,
    int maxConcurrency,
    int inFlight,
    List<String> functions,
    Instant connectedAt,
    Instant lastHeartbeat,
    long callsServed,
    long callsFailed,
    double ewmaLatencyMillis,
    double errorRate,
    double cost,
    String version,
    String gatewayId) {

  public NodeInfo {
    labels = Map.copyOf(labels);
    functions = List.copyOf(functions);
  }
}
