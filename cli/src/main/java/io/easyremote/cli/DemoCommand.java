package io.easyremote.cli;

import io.easyremote.client.CallResult;
import io.easyremote.client.Client;
import io.easyremote.gateway.Gateway;
import io.easyremote.node.ComputeNode;
import io.easyremote.protocol.RemoteException;
import io.easyremote.protocol.RemoteFunctionException;
import io.easyremote.protocol.Strategy;
import java.io.PrintStream;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Callable;
import java.util.stream.Collectors;
import picocli.CommandLine.Command;

/** {@code easyremote demo}: a gateway, two nodes and a client in one process. */
@Command(name = "demo", description = "Runs a gateway, two nodes and a client in one process and shows calls being routed.")
final class DemoCommand implements Callable<Integer> {
  /** A typed view of the sample functions, as a caller would declare it. */
  public interface Calculator {
    long add(long a, long b);

    CompletableFuture<String> echo(String text);
  }

  @Override
  public Integer call() {
    return run(System.out);
  }

  /** The demo's wiring; its test calls this too. Returns the exit code. */
  static int run(PrintStream out) {
    Map<String, Integer> servedBy = new TreeMap<>();
    // Round robin so the demo shows both nodes at work; real gateways default to the smart strategy.
    try (Gateway gateway = Gateway.builder().port(0).defaultStrategy(Strategy.ROUND_ROBIN)
        .registrationGrace(java.time.Duration.ZERO).build().start();
         ComputeNode a = ComputeNode.builder().gateway(gateway.address()).id("node-a")
             .register(new SampleFunctions("node-a"))
             .register("uppercase", String.class, s -> s.toUpperCase(java.util.Locale.ROOT))
             .build().start();
         ComputeNode b = ComputeNode.builder().gateway(gateway.address()).id("node-b")
             .register(new SampleFunctions("node-b"))
             .register("reverse", String.class, s -> new StringBuilder(s).reverse().toString())
             .build().start();
         Client client = Client.connect(gateway.address())) {
      out.println("EasyRemote demo: gateway on " + gateway.address() + " (strategy round_robin), nodes " + a.id() + " and " + b.id());
      out.println();
      show(out, servedBy, client.callDetailed("add", Long.class, 2, 3), "add(2, 3)");
      show(out, servedBy, client.callDetailed("echo", String.class, "hello"), "echo(\"hello\")");
      for (int i = 0; i < 6; i++) {
        show(out, servedBy, client.callDetailed("whoami", String.class), "whoami()");
      }
      show(out, servedBy, client.callDetailed("uppercase", String.class, "only node-a has me"), "uppercase(...)");
      show(out, servedBy, client.callDetailed("reverse", String.class, "stressed"), "reverse(\"stressed\")");
      Calculator calculator = client.proxy(Calculator.class);
      out.printf("  %-28s = %-22s  (typed proxy)%n", "calculator.add(20, 22)", calculator.add(20, 22));
      out.printf("  %-28s = %-22s  (async proxy)%n", "calculator.echo(\"later\")", "\"" + calculator.echo("later").join() + "\"");
      out.println();
      try {
        client.call("fail", String.class, "boom");
      } catch (RemoteFunctionException e) {
        out.println("  fail(\"boom\") -> " + e.code() + ": " + e.getMessage() + " (" + e.remoteType() + " on " + e.nodeId() + ")");
      }
      try {
        client.call("ad", Long.class, 1, 2);
      } catch (RemoteException e) {
        out.println("  ad(1, 2)     -> " + e.code() + ": " + e.getMessage());
      }
      out.println();
      out.println("Calls served: " + servedBy.entrySet().stream().map(e -> e.getKey() + " " + e.getValue())
          .collect(Collectors.joining(", ")));
      return servedBy.size() == 2 ? 0 : 1;
    }
  }

  private static void show(PrintStream out, Map<String, Integer> servedBy, CallResult<?> result, String call) {
    servedBy.merge(result.nodeId(), 1, Integer::sum);
    Object value = result.value() instanceof String s ? "\"" + s + "\"" : result.value();
    out.printf("  %-28s = %-22s  served by %s in %.1f ms%n", call, value, result.nodeId(), result.latency().toNanos() / 1e6);
  }
}
