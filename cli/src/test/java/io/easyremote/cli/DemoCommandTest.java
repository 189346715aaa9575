package io.easyremote.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class DemoCommandTest {
  @Test
  void demo_servesCallsFromBothNodes_andShowsErrorsNicely() {
    ByteArrayOutputStream buffer = new ByteArrayOutputStream();
    int exit = DemoCommand.run(new PrintStream(buffer, true, StandardCharsets.UTF_8));
    String out = buffer.toString(StandardCharsets.UTF_8);
    assertThat(exit).isZero();
    assertThat(out).contains("served by node-a").contains("served by node-b");
    assertThat(out).contains("add(2, 3)").contains("= 5");
    assertThat(out).contains("FUNCTION_FAILED: boom (java.lang.IllegalStateException on node-");
    assertThat(out).contains("FUNCTION_NOT_FOUND: Unknown function 'ad'. Registered: add,");
    assertThat(out).containsPattern("Calls served: node-a \\d+, node-b \\d+");
  }
}
