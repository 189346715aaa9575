package io.easyremote.cli;

import io.easyremote.client.Client;
import io.easyremote.protocol.NodeInfo;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code easyremote nodes}: who is connected and how loaded. */
@Command(name = "nodes", description = "Lists the connected nodes with their state, load and resources.")
final class NodesCommand implements Callable<Integer> {
  @Spec
  CommandSpec spec;

  @Mixin
  ClientConnection gateway;

  @Option(names = "--json", description = "Print JSON instead of a table.")
  boolean json;

  @Override
  public Integer call() throws Exception {
    try (Client client = gateway.connect(Duration.ofSeconds(10), spec.commandLine().getErr())) {
      List<NodeInfo> nodes = client.nodes();
      if (json) {
        System.out.println(CliJson.mapper().writerWithDefaultPrettyPrinter().writeValueAsString(nodes));
        return 0;
      }
      boolean cluster = nodes.stream().anyMatch(n -> !n.gatewayId().isEmpty());
      Tables table = cluster
          ? new Tables("NODE", "GATEWAY", "STATE", "IN-FLIGHT", "CPU", "MEM FREE", "GPUS", "SERVED", "FAILED", "LATENCY", "LABELS", "FUNCTIONS")
          : new Tables("NODE", "STATE", "IN-FLIGHT", "CPU", "MEM FREE", "GPUS", "SERVED", "FAILED", "LATENCY", "LABELS", "FUNCTIONS");
      for (NodeInfo n : nodes) {
        Object[] first = cluster ? new Object[] {n.id(), n.gatewayId(), n.state()} : new Object[] {n.id(), n.state()};
        table.row(concat(first, n.inFlight() + "/" + n.maxConcurrency(),
            String.format("%.0f%%", n.resources().cpuLoad() * 100), gib(n.resources().memoryFreeBytes()),
            n.resources().gpus().isEmpty() ? "-" : n.resources().gpus().size() + "", n.callsServed(), n.callsFailed(),
            String.format("%.1f ms", n.ewmaLatencyMillis()), n.labels().isEmpty() ? "-" : n.labels().toString(),
            String.join(",", n.functions())));
      }
      table.print(System.out);
      return 0;
    }
  }

  private static Object[] concat(Object[] first, Object... rest) {
    Object[] all = java.util.Arrays.copyOf(first, first.length + rest.length);
    System.arraycopy(rest, 0, all, first.length, rest.length);
    return all;
  }

  private static String gib(long bytes) {
    return String.format("%.1f GiB", bytes / (double) (1L << 30));
  }
}
