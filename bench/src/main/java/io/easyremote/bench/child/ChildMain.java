package io.easyremote.bench.child;

import io.easyremote.protocol.internal.GrpcNettyDefaults;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Map;

/**
 * Entry point of every process the benchmark starts besides itself: {@code ChildMain <role> args}.
 * The role prints one {@code READY key=value ...} line when it is up, then answers the
 * {@link ChildRole#command commands} the benchmark writes on stdin, one line each, until
 * {@code quit} or end of input.
 */
public final class ChildMain {
  private ChildMain() {}

  /** Starts the named role. */
  public static void main(String[] args) throws Exception {
    if (args.length == 0) {
      System.err.println("usage: ChildMain gateway|node|nodes|echo|nats-responder|sim-nodes [args]");
      System.exit(2);
    }
    // The direct gRPC baselines run on the same gRPC Netty settings as the client and the node.
    GrpcNettyDefaults.apply();
    String[] rest = Arrays.copyOfRange(args, 1, args.length);
    ChildRole role = switch (args[0]) {
      case "gateway" -> new GatewayRole(rest);
      case "node" -> new NodeRole(rest);
      case "echo" -> new EchoServerRole(rest);
      case "nats-responder" -> new NatsResponderRole(rest);
      case "sim-nodes" -> new SimulatedNodesRole(rest);
      case "nodes" -> new NodesRole(rest);
      default -> throw new IllegalArgumentException("unknown role " + args[0]);
    };
    Map<String, String> ready = role.start();
    StringBuilder line = new StringBuilder("READY");
    ready.forEach((k, v) -> line.append(' ').append(k).append('=').append(v));
    System.out.println(line);
    System.out.flush();
    BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
    String command;
    while ((command = in.readLine()) != null && !command.equals("quit")) {
      String reply;
      try {
        reply = command.equals("heap") ? "heap " + usedHeapAfterGc() : role.command(command);
      } catch (Exception e) {
        reply = "error " + e;
      }
      System.out.println(reply);
      System.out.flush();
    }
    role.close();
    System.exit(0);
  }

  /** Heap in use after a full collection, in bytes: what the live objects take. */
  static long usedHeapAfterGc() throws InterruptedException {
    Runtime rt = Runtime.getRuntime();
    long used = Long.MAX_VALUE;
    for (int i = 0; i < 3; i++) {
      System.gc();
      Thread.sleep(100);
      used = Math.min(used, rt.totalMemory() - rt.freeMemory());
    }
    return used;
  }
}
