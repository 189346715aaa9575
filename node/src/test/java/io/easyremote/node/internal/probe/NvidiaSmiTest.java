package io.easyremote.node.internal.probe;

import static org.assertj.core.api.Assertions.assertThat;

import io.easyremote.protocol.NodeResources;
import java.util.List;
import org.junit.jupiter.api.Test;

class NvidiaSmiTest {
  @Test
  void parse_csvLines_giveGpusAndSkipUnknownFigures() {
    List<NodeResources.Gpu> gpus = NvidiaSmi.parse(List.of(
        "NVIDIA H100 80GB HBM3, 37, 81559, 80000",
        "NVIDIA T4, [N/A], 15360, 15000",
        "garbage"));
    assertThat(gpus).containsExactly(new NodeResources.Gpu("NVIDIA H100 80GB HBM3", 0.37, 81559L << 20, 80000L << 20));
  }

  @Test
  void probe_onThisMachine_reportsSaneFigures() {
    NodeResources r = new OshiResourceProbe().sample();
    assertThat(r.cpuCores()).isEqualTo(Runtime.getRuntime().availableProcessors());
    assertThat(r.memoryTotalBytes()).isPositive();
    assertThat(r.memoryFreeBytes()).isBetween(1L, r.memoryTotalBytes());
    assertThat(r.cpuLoad()).isBetween(0.0, 1.0);
  }
}
