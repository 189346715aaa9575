package io.easyremote.bench.child;

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

  /**
   * The buffer cache that the client and node libraries set in gRPC's Netty for themselves
   * ({@code GrpcNettyDefaults}, not the bench's to call): set here too, unless given with -D, so
   * that the direct gRPC baselines run with it. Before anything starts gRPC's Netty.
   */
  public static void useClientsGrpcNettySettings() {
    String cache = "io.grpc.netty.shaded.io.netty.allocator.maxCachedBufferCapacity";
    if (System.getProperty(cache) == null) {
      System.setProperty(cache, Integer.toString(256 << 10));
    }
  }

  /** Starts the named role. */
  public static void main(String[] args) throws Exception {
    if (args.length == 0) {
      System.err.println("usage: ChildMain gateway|node|nodes|echo|nats-responder|sim-nodes|tcp [args]");
      System.exit(2);
    }
    useClientsGrpcNettySettings();
    String[] rest = Arrays.copyOfRange(args, 1, args.length);
    ChildRole role = switch (args[0]) {
      case "gateway" -> new GatewayRole(rest);
      case "node" -> new NodeRole(rest);
      case "echo" -> new EchoServerRole(rest);
      case "nats-responder" -> new NatsResponderRole(rest);
      case "sim-nodes" -> new SimulatedNodesRole(rest);
      case "nodes" -> new NodesRole(rest);
      case "tcp" -> new TcpFloorRole(rest);
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
