package io.easyremote.node.internal.probe;

import io.easyremote.protocol.NodeResources;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import oshi.SystemInfo;
import oshi.hardware.CentralProcessor;
import oshi.hardware.GlobalMemory;

/**
 * Whole-machine CPU load (between two samples), memory and GPUs, through OSHI; GPUs come from
 * {@code nvidia-smi} when it is installed (refreshed every few samples, since it takes tens of
 * milliseconds) and are reported as none otherwise — never faked. Not thread-safe.
 */
public final class OshiResourceProbe implements ResourceProbe {
  private static final Logger log = LoggerFactory.getLogger(OshiResourceProbe.class);
  private static final int GPU_EVERY = 5;

  private final CentralProcessor cpu;
  private final GlobalMemory memory;
  private final NvidiaSmi gpus = new NvidiaSmi();
  private long[] previousTicks;
  private List<NodeResources.Gpu> lastGpus = List.of();
  private int samples;

  public OshiResourceProbe() {
    SystemInfo system = new SystemInfo();
    this.cpu = system.getHardware().getProcessor();
    this.memory = system.getHardware().getMemory();
    this.previousTicks = cpu.getSystemCpuLoadTicks();
  }

  @Override
  public NodeResources sample() {
    double load = cpu.getSystemCpuLoadBetweenTicks(previousTicks);
    previousTicks = cpu.getSystemCpuLoadTicks();
    if (samples++ % GPU_EVERY == 0) {
      try {
        lastGpus = gpus.query();
      } catch (RuntimeException e) {
        log.debug("nvidia-smi failed: {}", e.toString());
        lastGpus = List.of();
      }
    }
    return new NodeResources(Math.max(0, Math.min(1, load)), memory.getTotal(), memory.getAvailable(), cpu.getLogicalProcessorCount(),
        lastGpus);
  }
}
