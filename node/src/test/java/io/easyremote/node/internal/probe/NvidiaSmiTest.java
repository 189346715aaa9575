package io.easyremote.node.internal.probe;

import static org.assertj.core.api.Assertions.assertThat;

import io.easyremote.protocol.NodeResources;
import io.easyremote.protocol.internal.Wire;
import java.util.List;
import java.util.OptionalDouble;
import org.junit.jupiter.api.Test;

class NvidiaSmiTest {
  @Test
  void parse_csvLines_giveEveryGpu_withUnknownFiguresLeftUnknown() {
    List<NodeResources.Gpu> gpus = NvidiaSmi.parse(List.of(
        "NVIDIA H100 80GB HBM3, 37, 81559, 80000",
        "NVIDIA T4, [N/A], 15360, 15000",
        "NVIDIA Jetson, [Not Supported], [N/A], [N/A]",
        "garbage",
        " , 1, 2, 3"));
    assertThat(gpus).containsExactly(
        new NodeResources.Gpu("NVIDIA H100 80GB HBM3", 0.37, 81559L << 20, 80000L << 20),
        new NodeResources.Gpu("NVIDIA T4", OptionalDouble.empty(), 15360L << 20, 15000L << 20),
        new NodeResources.Gpu("NVIDIA Jetson", OptionalDouble.empty(), 0, 0));
  }

  @Test
  void unknownUtilisation_travelsAsAbsent_notAsZero() {
    NodeResources withT4 = new NodeResources(0.5, 1, 1, 1, NvidiaSmi.parse(List.of("NVIDIA T4, [N/A], 15360, 15000")));

    assertThat(Wire.toWire(withT4).getGpus(0).hasUtilisation()).isFalse();
    assertThat(Wire.fromWire(Wire.toWire(withT4))).isEqualTo(withT4);
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
