package io.easyremote.examples;

import io.easyremote.client.Client;
import io.easyremote.examples.MathFunctions.Point;
import io.easyremote.gateway.Gateway;
import io.easyremote.node.ComputeNode;
import io.easyremote.protocol.Remote;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * Calling functions through a typed interface: {@code client.proxy(Calculator.class)} checks the
 * interface once, then each method call is a remote call of the function with the method's name.
 */
public final class TypedProxyExample {
  /** The caller's view of {@link MathFunctions}. The node does not need this interface. */
  public interface Calculator {
    /** Calls {@code add} and waits for the result. */
    int add(int a, int b);

    /** Calls {@code add} too ({@code @Remote} renames), but returns at once. */
    @Remote(name = "add")
    CompletableFuture<Integer> addAsync(int a, int b);

    /** Generic results are converted to the declared type. */
    List<Point> points(int n);

    /** Default methods run locally and may use the remote ones. */
    default int sumOfSquares(int n) {
      return points(n).stream().mapToInt(Point::y).sum();
    }
  }

  /** What the example computes, returned so its test can check it. */
  public record Results(int sum, int asyncSum, List<Point> points, int sumOfSquares) {}

  private TypedProxyExample() {}

  /** Runs the example and prints its results. */
  public static void main(String[] args) {
    System.out.println(run());
  }

  /** Starts a gateway and a node on a free port, calls them through the proxy, and closes it all. */
  public static Results run() {
    try (Gateway gateway = Gateway.builder().port(0).build().start();
         ComputeNode node = ComputeNode.builder().gateway(gateway.address()).register(new MathFunctions()).build().start();
         Client client = Client.connect(gateway.address())) {
      Calculator calculator = client.proxy(Calculator.class);
      CompletableFuture<Integer> later = calculator.addAsync(40, 2);   // in flight while we go on
      int sum = calculator.add(1, 2);
      List<Point> points = calculator.points(3);
      return new Results(sum, later.join(), points, calculator.sumOfSquares(4));
    }
  }
}
