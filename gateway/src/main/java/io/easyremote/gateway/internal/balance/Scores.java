package io.easyremote.gateway.internal.balance;

import io.easyremote.protocol.NodeResources;

/** The score functions of the scoring strategies; lower is better. */
final class Scores {
  private Scores() {}

  /** Occupancy after one more call: {@code (in_flight + 1) / capacity}. */
  static double load(Candidate node) {
    return (node.inFlight() + 1.0) / node.capacity();
  }

  /** Expected wait: latency × outstanding calls, scaled up while warming. NaN while unknown. */
  static double latency(Candidate node, long now) {
    return node.latencyMillis(now) * (node.inFlight() + 1) / node.weight(now);
  }

  /**
   * latency × (1 + utilisation), with an error-rate penalty, scaled up while warming. NaN while
   * unknown. Utilisation rather than {@code (in_flight + 1) / capacity}: two idle nodes serve the
   * next call equally fast whatever their capacity, so capacity only counts once work piles up.
   */
  static double smart(Candidate node, long now) {
    double utilisation = (double) node.inFlight() / node.capacity();
    return node.latencyMillis(now) * (1 + utilisation) * (1 + 8 * node.errorRate()) / node.weight(now);
  }

  /** Busy CPU, used memory and busy GPU, plus occupancy. */
  static double resources(Candidate node, long now) {
    NodeResources r = node.resources();
    double memoryUsed = r.memoryTotalBytes() == 0 ? 0.5 : 1 - (double) r.memoryFreeBytes() / r.memoryTotalBytes();
    double gpuBusy = 0;
    for (NodeResources.Gpu gpu : r.gpus()) {
      gpuBusy += gpu.utilisation().orElse(0.5); // unknown: neither idle nor busy, as for unknown memory
    }
    gpuBusy = r.gpus().isEmpty() ? 0 : gpuBusy / r.gpus().size();
    return (r.cpuLoad() + 0.5 * memoryUsed + 0.5 * gpuBusy + load(node)) / node.weight(now);
  }

  /** Occupancy, scaled up while warming. */
  static double leastLoaded(Candidate node, long now) {
    return load(node) / node.weight(now);
  }
}
