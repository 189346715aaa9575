package io.easyremote.examples;

import static org.assertj.core.api.Assertions.assertThat;

import io.easyremote.examples.MathFunctions.Point;
import org.junit.jupiter.api.Test;

class TypedProxyExampleTest {
  @Test
  void run_syncAsyncGenericAndDefaultMethods_returnRemoteResults() {
    TypedProxyExample.Results results = TypedProxyExample.run();

    assertThat(results.sum()).isEqualTo(3);
    assertThat(results.asyncSum()).isEqualTo(42);
    assertThat(results.points()).containsExactly(new Point(0, 0), new Point(1, 1), new Point(2, 4));
    assertThat(results.sumOfSquares()).isEqualTo(0 + 1 + 4 + 9);
  }
}
