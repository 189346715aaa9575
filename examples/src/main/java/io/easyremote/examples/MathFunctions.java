package io.easyremote.examples;

import io.easyremote.protocol.Remote;
import java.util.List;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

/** Plain Java methods a node serves: nothing to extend, just {@code @Remote}. */
public final class MathFunctions {
  /** A value type that travels as a JSON object. */
  public record Point(int x, int y) {}

  @Remote(description = "Adds two integers", idempotent = true)
  public int add(int a, int b) {
    return a + b;
  }

  @Remote(description = "The first n points of the parabola y = x²")
  public List<Point> points(int n) {
    return IntStream.range(0, n).mapToObj(i -> new Point(i, i * i)).collect(Collectors.toList());
  }

  @Remote(description = "Divides, failing on zero")
  public int divide(int a, int b) {
    if (b == 0) {
      throw new ArithmeticException("division by zero");
    }
    return a / b;
  }
}
