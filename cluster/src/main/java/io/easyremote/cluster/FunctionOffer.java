package io.easyremote.cluster;

import java.util.List;

/**
 * What one other gateway offers for one function: its nodes and their summed load. A gateway
 * that forwards a call chooses among offers (gateway granularity); the chosen gateway picks the
 * node.
 *
 * @param function the function name
 * @param gatewayId the gateway that offers it
 * @param nodeIds its nodes offering the function (any health)
 * @param healthyNodes how many of them are {@link NodeHealth#UP}
 * @param capacity the summed max concurrency of the healthy ones
 * @param freeSlots the summed free slots of the healthy ones, as of the gateway's last heartbeat
 *     (a node's slots are shared by its functions, so the sums of two functions overlap)
 */
public record FunctionOffer(String function, String gatewayId, List<String> nodeIds, int healthyNodes, int capacity, int freeSlots) {
  /** Copies the node ids. */
  public FunctionOffer {
    nodeIds = List.copyOf(nodeIds);
  }
}
