package io.easyremote.gateway.internal.core;

import io.easyremote.gateway.internal.balance.Balancers;
import io.easyremote.protocol.ErrorCode;
import io.easyremote.protocol.Strategy;
import io.easyremote.protocol.wire.Error;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Chooses the node a call goes to: pure decisions over the nodes offering its function (no I/O,
 * no state but the balancers' rotation). Not thread-safe: its owner guards it.
 */
final class NodePicker {
  /** Pools larger than this are sampled rather than scanned when a call is routed; see {@link #sampleFree}. */
  static final int SAMPLE_ABOVE = 64;
  private static final int SAMPLE_SIZE = 16;
  /** Nodes named in a NO_NODE_AVAILABLE message at most. */
  private static final int MAX_NODES_EXPLAINED = 10;

  private final Strategy defaultStrategy;
  private final Balancers<NodeSession> balancers = new Balancers<>();

  NodePicker(Strategy defaultStrategy) {
    this.defaultStrategy = defaultStrategy;
  }

  /**
   * Why no node offering the function may ever run this call (NO_NODE_AVAILABLE): its pinned node
   * is not there or does not offer it, or no node meets its requirements. Null when some may.
   */
  Error unservable(PendingCall call, List<NodeSession> offering, NodeSession pinnedNode) {
    String function = call.function();
    String pinned = call.request.pinnedNode();
    if (pinned != null && (pinnedNode == null || !pinnedNode.functions.containsKey(function))) {
      String why = pinnedNode == null ? "is not connected" : "does not offer '" + function + "'";
      return Errors.of(ErrorCode.NO_NODE_AVAILABLE, "Node '" + pinned + "' " + why + ". Nodes offering '" + function
          + "': " + Errors.list(offering.stream().map(NodeSession::nodeId).toList()) + ".");
    }
    Requirements requirements = call.request.requirements();
    if (!requirements.isEmpty() && offering.stream().noneMatch(node -> requirements.mismatch(node) == null)) {
      StringBuilder why = new StringBuilder("No node offering '" + function + "' meets the call's requirements:");
      for (NodeSession node : offering.subList(0, Math.min(offering.size(), MAX_NODES_EXPLAINED))) {
        why.append(' ').append(node.nodeId).append(" (").append(requirements.mismatch(node)).append(");");
      }
      why.setLength(why.length() - 1);
      if (offering.size() > MAX_NODES_EXPLAINED) {
        why.append(" and ").append(offering.size() - MAX_NODES_EXPLAINED).append(" more");
      }
      return Errors.of(ErrorCode.NO_NODE_AVAILABLE, why.append('.').toString());
    }
    return null;
  }

  /** The node to send the call to now, chosen by its strategy among those that can take it; null when none can (queue it). */
  NodeSession pick(PendingCall call, List<NodeSession> offering, long now) {
    Strategy strategy = call.request.strategy() != null ? call.request.strategy() : defaultStrategy;
    if (offering.size() > SAMPLE_ABOVE && call.request.pinnedNode() == null && call.request.requirements().isEmpty()
        && samplingKeeps(strategy)) {
      List<NodeSession> sampled = sampleFree(offering, call, now);
      if (!sampled.isEmpty()) {
        return balancers.get(strategy).pick(call.function(), sampled, now);
      }
    }
    boolean panic = allEjected(offering, call, now);
    List<NodeSession> free = new ArrayList<>(offering.size());
    for (NodeSession node : offering) {
      if (qualifies(call, node) && node.canTake(call, now, panic)) {
        free.add(node);
      }
    }
    return free.isEmpty() ? null : balancers.get(strategy).pick(call.function(), free, now);
  }

  /**
   * Whether a strategy picks the same way from a random sample of the nodes as from all of them:
   * the power-of-two strategies compare two random eligible nodes anyway; round robin (strict
   * rotation) and cost_aware (the cheapest of all) need every node.
   */
  static boolean samplingKeeps(Strategy strategy) {
    return strategy != Strategy.ROUND_ROBIN && strategy != Strategy.COST_AWARE;
  }

  /**
   * Up to {@link #SAMPLE_SIZE} randomly chosen nodes of a large pool that could take a call now.
   * Scanning 10,000 nodes for every call held the routing lock for ~0.7 ms (scripts/bench, scale
   * scenario); a sample that finds no free node falls back to the full scan.
   */
  private static List<NodeSession> sampleFree(List<NodeSession> offering, PendingCall call, long now) {
    ThreadLocalRandom random = ThreadLocalRandom.current();
    List<NodeSession> sample = new ArrayList<>(SAMPLE_SIZE);
    for (int i = 0; i < SAMPLE_SIZE; i++) {
      NodeSession node = offering.get(random.nextInt(offering.size()));
      if (!sample.contains(node) && node.canTake(call, now, false)) {
        sample.add(node);
      }
    }
    return sample;
  }

  /** Whether the call's pin and requirements allow the node to run it. */
  static boolean qualifies(PendingCall call, NodeSession node) {
    String pinned = call.request.pinnedNode();
    return (pinned == null || pinned.equals(node.nodeId)) && call.request.requirements().mismatch(node) == null;
  }

  /**
   * True when every node that could run the call is ejected (or still holds an earlier attempt of
   * it): then ejection is ignored rather than starving the call.
   */
  static boolean allEjected(List<NodeSession> offering, PendingCall call, long now) {
    for (NodeSession node : offering) {
      if (qualifies(call, node) && !node.holds(call.id) && node.healthy(now)) {
        return false;
      }
    }
    return true;
  }

  /** The retry-after hint of an OVERLOADED answer: the slowest node's latency, within 100 ms .. 10 s. */
  static long retryAfterMillis(List<NodeSession> offering) {
    double latency = 0;
    for (NodeSession node : offering) {
      latency = Math.max(latency, node.stats().displayLatencyMillis());
    }
    return Math.max(100, Math.min(10_000, Math.round(latency)));
  }
}
