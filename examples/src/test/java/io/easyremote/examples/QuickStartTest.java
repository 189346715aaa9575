package io.easyremote.examples;

import static org.assertj.core.api.Assertions.assertThat;

import io.easyremote.examples.MathFunctions.Point;
import org.junit.jupiter.api.Test;

class QuickStartTest {
  @Test
  void run_byNameAsyncAndProxy_returnTheDocumentedResults() {
    QuickStart.Results results = QuickStart.run();

    assertThat(results.sum()).isEqualTo(3);
    assertThat(results.points()).containsExactly(new Point(0, 0), new Point(1, 1), new Point(2, 4));
    assertThat(results.asyncSum()).isEqualTo(4);
    assertThat(results.proxySum()).isEqualTo(42);
  }
}
