package io.easyremote.protocol;

import java.util.List;
import java.util.Objects;
import java.util.OptionalDouble;

/**
 * Machine resources a node reports in its heartbeats.
 *
 * @param cpuLoad whole-machine CPU use, 0..1
 * @param memoryTotalBytes physical memory
 * @param memoryFreeBytes available physical memory
 * @param cpuCores logical processors
 * @param gpus the machine's GPUs; empty when it has none (never faked)
 */
public record NodeResources(double cpuLoad, long memoryTotalBytes, long memoryFreeBytes, int cpuCores, List<Gpu> gpus) {

  /** No figures known yet. */
  public static final NodeResources UNKNOWN = new NodeResources(0, 0, 0, 0, List.of());

  public NodeResources {
    gpus = List.copyOf(gpus);
  }

  /**
   * One GPU.
   *
   * @param name the device name
   * @param utilisation 0..1; empty when the driver cannot tell (some boards report {@code [N/A]}),
   *     which says nothing about the GPU's memory
   * @param memoryTotalBytes device memory; 0 when unknown
   * @param memoryFreeBytes free device memory; 0 when unknown
   */
  public record Gpu(String name, OptionalDouble utilisation, long memoryTotalBytes, long memoryFreeBytes) {
    public Gpu {
      Objects.requireNonNull(name, "name");
      Objects.requireNonNull(utilisation, "utilisation");
    }

    /** A GPU whose utilisation is known. */
    public Gpu(String name, double utilisation, long memoryTotalBytes, long memoryFreeBytes) {
      this(name, OptionalDouble.of(utilisation), memoryTotalBytes, memoryFreeBytes);
    }
  }
}
