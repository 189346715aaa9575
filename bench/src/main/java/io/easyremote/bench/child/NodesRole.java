package io.easyremote.bench.child;

import io.easyremote.node.ComputeNode;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Several compute nodes in one process, each with its own link to the gateway and
 * {@link BenchFunctions}: for sleep-bound fan-out, where a node's work is waiting, not CPU. Args:
 * {@code gateway idPrefix maxConcurrency}. Command {@code add N} starts N more nodes and answers
 * {@code added TOTAL}.
 */
final class NodesRole implements ChildRole {
  private final String gateway;
  private final String prefix;
  private final int maxConcurrency;
  private final List<ComputeNode> nodes = new ArrayList<>();

  NodesRole(String[] args) {
    this.gateway = args[0];
    this.prefix = args[1];
    this.maxConcurrency = Integer.parseInt(args[2]);
  }

  @Override
  public Map<String, String> start() {
    return Map.of("nodes", "0");
  }

  @Override
  public String command(String line) throws InterruptedException {
    if (!line.startsWith("add ")) {
      return "error unknown command " + line;
    }
    int count = Integer.parseInt(line.substring(4).trim());
    for (int i = 0; i < count; i++) {
      ComputeNode node = ComputeNode.builder().gateway(gateway).id(prefix + "-" + (nodes.size() + 1)).maxConcurrency(maxConcurrency)
          .register(new BenchFunctions()).build().start();
      long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
      while (!node.isConnected()) {
        if (System.nanoTime() > deadline) {
          throw new IllegalStateException(node.id() + " did not connect to " + gateway + " within 30 s");
        }
        Thread.sleep(10);
      }
      nodes.add(node);
    }
    return "added " + nodes.size();
  }

  @Override
  public void close() {
    nodes.forEach(ComputeNode::close);
  }
}
