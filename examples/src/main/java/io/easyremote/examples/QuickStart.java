package io.easyremote.examples;

import io.easyremote.client.Client;
import io.easyremote.examples.MathFunctions.Point;
import io.easyremote.gateway.Gateway;
import io.easyremote.node.ComputeNode;
import io.easyremote.protocol.TypeRef;
import java.util.List;

/** The README's quick start: a gateway, a node and a client, calling by name, async and through a proxy. */
public final class QuickStart {
  /** What a caller sees: the functions as a typed interface. */
  public interface Calculator {
    int add(int a, int b);
  }

  /** The results the example prints, returned so its test can check them. */
  public record Results(int sum, List<Point> points, int asyncSum, int proxySum) {}

  private QuickStart() {}

  /** Runs the example and prints its results. */
  public static void main(String[] args) {
    System.out.println(run());
  }

  /** Starts everything on a free port, makes the calls, and closes it all. */
  public static Results run() {
    try (Gateway gateway = Gateway.builder().port(0).build().start();
         ComputeNode node = ComputeNode.builder()
             .gateway(gateway.address())
             .register(new MathFunctions())
             .register("echo", String.class, s -> s)
             .build()
             .start();
         Client client = Client.connect(gateway.address())) {
      int sum = client.call("add", Integer.class, 1, 2);
      List<Point> points = client.call("points", new TypeRef<List<Point>>() {}, 3);
      int asyncSum = client.callAsync("add", Integer.class, 2, 2).join();
      int proxySum = client.proxy(Calculator.class).add(20, 22);
      return new Results(sum, points, asyncSum, proxySum);
    }
  }
}
