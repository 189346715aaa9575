package io.easyremote.cli;

import io.easyremote.client.CallResult;
import io.easyremote.client.Client;
import io.easyremote.client.FanOut;
import io.easyremote.client.MapRun;
import io.easyremote.client.ResultStream;
import io.easyremote.gateway.Gateway;
import io.easyremote.node.ComputeNode;
import io.easyremote.protocol.RemoteException;
import io.easyremote.protocol.Strategy;
import java.io.PrintStream;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import picocli.CommandLine.Command;

/** {@code easyremote demo}: a gateway, two nodes and a client in one process: calls, a stream and a map with its progress. */
@Command(name = "demo", description = "Runs a gateway, two nodes and a client in one process and shows calls being routed.")
final class DemoCommand implements Callable<Integer> {
  /** A typed view of the sample functions, as a caller would declare it: method name = function name. */
  public interface Calculator {
    long add(long a, long b);

    CompletableFuture<String> echo(String text);
  }

  @Override
  public Integer call() {
    return run(System.out);
  }

  /**
   * The demo's wiring, shared with its test: starts a gateway on a free loopback port and two nodes,
   * makes the calls, prints one line each to {@code out}, and closes everything.
   *
   * @return the exit code: 0 when both nodes served calls
   */
  static int run(PrintStream out) {
    Map<String, Integer> servedBy = new TreeMap<>();
    // Round robin so the demo shows both nodes at work (real gateways default to the smart strategy);
    // no registration grace, so the unknown function fails at once instead of waiting for nodes to reconnect.
    try (Gateway gateway = Gateway.builder().host("127.0.0.1").port(0).defaultStrategy(Strategy.ROUND_ROBIN)
             .registrationGrace(Duration.ZERO).build().start();
         ComputeNode a = ComputeNode.builder().gateway(gateway.address()).id("node-a")
             .register(new SampleFunctions("node-a"))
             .register("uppercase", String.class, s -> s.toUpperCase(Locale.ROOT))
             .build().start();
         ComputeNode b = ComputeNode.builder().gateway(gateway.address()).id("node-b")
             .register(new SampleFunctions("node-b"))
             .register("reverse", String.class, s -> new StringBuilder(s).reverse().toString())
             .build().start();
         Client client = Client.connect(gateway.address())) {
      List<String> shared = a.functions().stream().filter(b.functions()::contains).sorted().toList();
      out.println("EasyRemote demo: a gateway on " + gateway.address() + " (round robin) and two nodes.");
      out.println("  " + a.id() + " and " + b.id() + " both serve " + String.join(", ", shared) + "; "
          + a.id() + " also " + only(a, b) + ", " + b.id() + " also " + only(b, a) + ".");
      out.println();
      show(out, servedBy, "add(2, 3)", client.callDetailed("add", Long.class, 2, 3));
      show(out, servedBy, "echo(\"hello\")", client.callDetailed("echo", String.class, "hello"));
      for (int i = 0; i < 4; i++) {
        show(out, servedBy, "whoami()", client.callDetailed("whoami", String.class));
      }
      show(out, servedBy, "uppercase(\"only node-a has me\")", client.callDetailed("uppercase", String.class, "only node-a has me"));
      show(out, servedBy, "reverse(\"stressed\")", client.callDetailed("reverse", String.class, "stressed"));
      CompletableFuture<Long> async = client.callAsync("add", Long.class, 40, 2);
      line(out, "callAsync add(40, 2)", async.join(), "async: a CompletableFuture");
      Calculator calculator = client.proxy(Calculator.class);
      line(out, "calculator.add(20, 22)", calculator.add(20, 22), "typed proxy");
      line(out, "calculator.echo(\"later\")", quote(calculator.echo("later").join()), "typed proxy, async");
      out.println();
      stream(out, client);
      map(out, client);
      out.println();
      failure(out, "fail(\"boom\")", () -> client.call("fail", String.class, "boom"));
      failure(out, "ad(1, 2)", () -> client.call("ad", Long.class, 1, 2));
      out.println();
      out.println("Calls served: " + servedBy.entrySet().stream().map(e -> e.getKey() + " " + e.getValue())
          .collect(Collectors.joining(", ")));
      return servedBy.size() == 2 ? Main.OK : Main.REMOTE_ERROR;
    }
  }

  /** A streaming function: items arrive one by one as the node emits them. */
  private static void stream(PrintStream out, Client client) {
    List<Integer> items = new ArrayList<>();
    String node;
    try (ResultStream<Integer> counted = client.stream("count", Integer.class, 5, 50)) {
      counted.forEach(items::add);
      node = counted.nodeId();
    }
    line(out, "stream count(5, 50)", items.stream().map(String::valueOf).collect(Collectors.joining(" ")),
        "streamed by " + node + ", one item every 50 ms");
  }

  /** A map: one function over many inputs, spread over both nodes, with its progress. */
  private static void map(PrintStream out, Client client) {
    List<List<?>> inputs = IntStream.range(0, 40).mapToObj(i -> List.<Object>of(25)).collect(Collectors.toList());
    out.println("  map sleep(25 ms) over 40 inputs, spread over both nodes:");
    ProgressView progress = new ProgressView(out, "sleep", ProgressView.Mode.LINES, "    ");
    try (MapRun<Long> run = client.map("sleep", Long.class, inputs,
        FanOut.builder().onProgress(progress::show).progressEvery(Duration.ofMillis(250)).build())) {
      long results = run.stream().filter(item -> item.ok() && item.value() == 25).count();
      out.printf(Locale.ROOT, "    %d results in input order, by node: %s%n", results, run.progress().perNode());
    }
  }

  private static void show(PrintStream out, Map<String, Integer> servedBy, String call, CallResult<?> result) {
    servedBy.merge(result.nodeId(), 1, Integer::sum);
    line(out, call, quote(result.value()),
        String.format(Locale.ROOT, "served by %s in %.1f ms", result.nodeId(), result.latency().toNanos() / 1e6));
  }

  private static void line(PrintStream out, String call, Object value, String note) {
    out.printf(Locale.ROOT, "  %-36s = %-22s %s%n", call, value, note);
  }

  private static void failure(PrintStream out, String call, Runnable failing) {
    try {
      failing.run();
      out.printf(Locale.ROOT, "  %-36s unexpectedly succeeded%n", call);
    } catch (RemoteException e) {
      out.printf(Locale.ROOT, "  %-36s -> %s%n", call, Main.describe(e));
    }
  }

  private static String only(ComputeNode node, ComputeNode other) {
    return node.functions().stream().filter(f -> !other.functions().contains(f)).sorted().collect(Collectors.joining(", "));
  }

  private static Object quote(Object value) {
    return value instanceof String s ? "\"" + s + "\"" : value;
  }
}
