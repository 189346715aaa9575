package io.easyremote.gateway.internal.core;

import io.easyremote.protocol.NodeResources;
import java.util.Map;

/**
 * What a call requires of the node that runs it: labels ({@code "*"} = present), free memory,
 * free GPU memory, and a cost limit.
 *
 * @param labels required labels
 * @param minMemoryFreeBytes minimum free memory, 0 = any
 * @param minGpuMemoryFreeBytes minimum free memory on one GPU, 0 = any
 * @param maxCost highest acceptable cost per call, 0 = no limit
 */
public record Requirements(Map<String, String> labels, long minMemoryFreeBytes, long minGpuMemoryFreeBytes, double maxCost) {
  /** No requirements. */
  public static final Requirements NONE = new Requirements(Map.of(), 0, 0, 0);

  public Requirements {
    labels = Map.copyOf(labels);
  }

  /** From the wire form. */
  public static Requirements fromWire(io.easyremote.protocol.wire.Requirements r) {
    if (r.getLabelsCount() == 0 && r.getMinMemoryFreeBytes() == 0 && r.getMinGpuMemoryFreeBytes() == 0 && r.getMaxCost() == 0) {
      return NONE;
    }
    return new Requirements(r.getLabelsMap(), r.getMinMemoryFreeBytes(), r.getMinGpuMemoryFreeBytes(), r.getMaxCost());
  }

  /** Most labels a call may require. */
  static final int MAX_LABELS = 32;
  /** Longest label key or value a call may require. */
  static final int MAX_LABEL_CHARS = 256;

  /** Null when the requirements are sane, else why not; never echoes what was sent. */
  String problem() {
    if (labels.size() > MAX_LABELS) {
      return "a call may require at most " + MAX_LABELS + " labels, not " + labels.size();
    }
    for (Map.Entry<String, String> label : labels.entrySet()) {
      if (label.getKey().length() > MAX_LABEL_CHARS || label.getValue().length() > MAX_LABEL_CHARS) {
        return "required label keys and values are at most " + MAX_LABEL_CHARS + " characters";
      }
    }
    if (!(maxCost >= 0) || Double.isInfinite(maxCost)) {
      return "max cost must be a finite number >= 0";
    }
    if (minMemoryFreeBytes < 0 || minGpuMemoryFreeBytes < 0) {
      return "minimum free memory must be >= 0";
    }
    return null;
  }

  /** Whether there is nothing to check. */
  public boolean isEmpty() {
    return this == NONE || (labels.isEmpty() && minMemoryFreeBytes == 0 && minGpuMemoryFreeBytes == 0 && maxCost == 0);
  }

  /** Null when the node qualifies, else why not (for the NO_NODE_AVAILABLE message). */
  String mismatch(NodeSession node) {
    for (Map.Entry<String, String> want : labels.entrySet()) {
      String have = node.labels.get(want.getKey());
      if (have == null) {
        return "no label " + want.getKey();
      }
      if (!want.getValue().equals("*") && !want.getValue().equals(have)) {
        return want.getKey() + "=" + have + ", not " + want.getValue();
      }
    }
    NodeResources r = node.resources();
    if (minMemoryFreeBytes > 0 && r.memoryFreeBytes() < minMemoryFreeBytes) {
      return "free memory " + Errors.bytes(r.memoryFreeBytes()) + " < " + Errors.bytes(minMemoryFreeBytes);
    }
    if (minGpuMemoryFreeBytes > 0) {
      long best = r.gpus().stream().mapToLong(NodeResources.Gpu::memoryFreeBytes).max().orElse(-1);
      if (best < 0) {
        return "no GPU";
      }
      if (best < minGpuMemoryFreeBytes) {
        return "free GPU memory " + Errors.bytes(best) + " < " + Errors.bytes(minGpuMemoryFreeBytes);
      }
    }
    if (maxCost > 0 && node.cost > maxCost) {
      return "cost " + node.cost + " > limit " + maxCost;
    }
    return null;
  }
}
