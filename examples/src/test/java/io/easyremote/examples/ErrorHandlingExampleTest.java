package io.easyremote.examples;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class ErrorHandlingExampleTest {
  @Test
  void run_eachFailure_isDescribedByItsCode() {
    assertThat(ErrorHandlingExample.run()).containsExactly(
        "FUNCTION_FAILED java.lang.ArithmeticException: division by zero",
        "INVALID_ARGUMENTS: add: argument 2 'b' expects int, got \"two\".",
        "FUNCTION_NOT_FOUND: Unknown function 'multiply'. Registered: add, divide, points.");
  }
}
