package io.easyremote.testing.http;

import static org.assertj.core.api.Assertions.assertThat;

import io.easyremote.testing.SampleFunctions;
import io.easyremote.testing.TestCluster;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The curl and Python snippets of docs/http.md, run as written against a live gateway (only the port changes). */
class DocsSnippetsTest {
  @RegisterExtension
  static final TestCluster cluster = TestCluster.builder().node("docs", n -> n.register(new SampleFunctions("docs"))).build();

  private static List<String> blocks(String language) throws Exception {
    Path doc = Path.of("..", "docs", "http.md");
    Matcher m = Pattern.compile("```" + language + "\\n(.*?)```", Pattern.DOTALL).matcher(Files.readString(doc));
    List<String> blocks = new ArrayList<>();
    while (m.find()) {
      blocks.add(m.group(1).replace("127.0.0.1:8080", cluster.address()));
    }
    return blocks;
  }

  private static String run(String... command) throws Exception {
    Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes());
    assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
    assertThat(p.exitValue()).as(out).isZero();
    return out.trim();
  }

  @Test
  void curlSnippets_work() throws Exception {
    List<String> curls = blocks("bash");
    assertThat(curls).hasSize(5);
    assertThat(run("bash", "-c", curls.get(0))).isEqualTo("5");
    assertThat(run("bash", "-c", curls.get(1))).isEqualTo("42");
    assertThat(run("bash", "-c", curls.get(2))).startsWith("{\"code\":\"DEADLINE_EXCEEDED\"").endsWith("} HTTP 504");
    assertThat(run("bash", "-c", curls.get(3))).isEqualTo("event: item\ndata: 1\n\nevent: item\ndata: 2\n\nevent: item\ndata: 3\n\n"
        + "event: end\ndata: {\"count\":3,\"nodeId\":\"docs\"}");
    assertThat(run("bash", "-c", curls.get(4))).startsWith("{\"index\":0,\"nodeId\":\"docs\",\"result\":3}\n"
        + "{\"index\":1,\"nodeId\":\"docs\",\"result\":7}\n{\"index\":2,\"error\":{\"code\":\"INVALID_ARGUMENTS\",")
        .endsWith("\n{\"end\":true,\"items\":3,\"written\":3,\"failed\":1}");
  }

  @Test
  void pythonSnippet_works() throws Exception {
    List<String> python = blocks("python");
    assertThat(python).hasSize(1);
    String out = run("python3", "-c", python.get(0));
    assertThat(out.lines().toList()).hasSize(3);
    assertThat(out).startsWith("5\n[1, 2, 3]\nFUNCTION_NOT_FOUND: Unknown function 'ad'.");
  }
}
