package io.easyremote.examples;

import static org.assertj.core.api.Assertions.assertThat;

import io.easyremote.examples.MathFunctions.Point;
import org.junit.jupiter.api.Test;

class ExamplesTest {
  @Test
  void quickStart_returnsTheDocumentedResults() {
    QuickStart.Results results = QuickStart.run();
    assertThat(results.sum()).isEqualTo(3);
    assertThat(results.points()).containsExactly(new Point(0, 0), new Point(1, 1), new Point(2, 4));
    assertThat(results.asyncSum()).isEqualTo(4);
    assertThat(results.proxySum()).isEqualTo(42);
  }

  @Test
  void errorHandling_describesEachFailureByCode() {
    assertThat(ErrorHandlingExample.run()).containsExactly(
        "FUNCTION_FAILED java.lang.ArithmeticException: division by zero",
        "INVALID_ARGUMENTS: add: argument 2 'b' expects int, got \"two\".",
        "FUNCTION_NOT_FOUND: Unknown function 'multiply'. Registered: add, divide, points.");
  }
}
