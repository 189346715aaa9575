package io.easyremote.bench.child;

import io.easyremote.node.ComputeNode;
import java.time.Duration;
import java.util.Map;

/**
 * A compute node offering {@link BenchFunctions}. Args: {@code gateway nodeId maxConcurrency [paid]}; {@code paid}
 * registers with the bench's node token and a price of 1 credit per call for {@code echo}.
 */
final class NodeRole implements ChildRole {
  private final String gateway;
  private final String id;
  private final int maxConcurrency;
  private final boolean paid;
  private ComputeNode node;

  NodeRole(String[] args) {
    this.gateway = args[0];
    this.id = args[1];
    this.maxConcurrency = Integer.parseInt(args[2]);
    this.paid = args.length > 3 && args[3].equals("paid");
  }

  @Override
  public Map<String, String> start() throws InterruptedException {
    ComputeNode.Builder builder = ComputeNode.builder()
        .gateway(gateway)
        .id(id)
        .maxConcurrency(maxConcurrency)
        .register(new BenchFunctions());
    if (paid) {
      builder.token(PaidAccess.NODE_TOKEN).price("echo", 1, 0);
    }
    node = builder.build().start();
    long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
    while (!node.isConnected()) {
      if (System.nanoTime() > deadline) {
        throw new IllegalStateException("node " + id + " did not connect to " + gateway + " within 30 s");
      }
      Thread.sleep(10);
    }
    return Map.of("id", id);
  }

  @Override
  public void close() {
    node.close();
  }
}
