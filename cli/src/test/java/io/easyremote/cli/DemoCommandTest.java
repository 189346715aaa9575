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

    assertThat(exit).as(out).isZero();
    assertThat(out).containsPattern("add\\(2, 3\\) += 5 +served by node-[ab] in \\d+\\.\\d ms");
    assertThat(out).containsPattern("whoami\\(\\) += \"node-a\" +served by node-a");
    assertThat(out).containsPattern("whoami\\(\\) += \"node-b\" +served by node-b");
    assertThat(out).containsPattern("uppercase\\(\"only node-a has me\"\\) += \"ONLY NODE-A HAS ME\" +served by node-a");
    assertThat(out).containsPattern("reverse\\(\"stressed\"\\) += \"desserts\" +served by node-b");
    assertThat(out).containsPattern("callAsync add\\(40, 2\\) += 42 ");
    assertThat(out).containsPattern("calculator.add\\(20, 22\\) += 42 ");
    assertThat(out).containsPattern("calculator.echo\\(\"later\"\\) += \"later\" ");
    assertThat(out).containsPattern("stream count\\(5, 50\\) += 1 2 3 4 5 +streamed by node-[ab], one item every 50 ms");
    assertThat(out).contains("map sleep(25 ms) over 40 inputs, spread over both nodes:");
    assertThat(out).containsPattern("\n    map sleep: 40/40 \\(100%\\), ok 40, failed 0, in flight 0, [\\d,]+ items/s, done in \\d:\\d\\d; "
        + "nodes: node-a [\\d,]+/s \\(\\d+\\), node-b [\\d,]+/s \\(\\d+\\)\n");
    assertThat(out).containsPattern("    40 results in input order, by node: \\{node-a=\\d+, node-b=\\d+\\}");
    assertThat(out).containsPattern("fail\\(\"boom\"\\) +-> FUNCTION_FAILED: boom \\(java.lang.IllegalStateException on node-[ab]\\)");
    assertThat(out).contains("-> FUNCTION_NOT_FOUND: Unknown function 'ad'. Registered: add, count, echo, fail, reverse, sleep, tokens, uppercase, whoami.");
    assertThat(out).containsPattern("Calls served: node-a \\d+, node-b \\d+");
  }
}
