package io.easyremote.testing.http;

import static org.assertj.core.api.Assertions.assertThat;

import io.easyremote.testing.SampleFunctions;
import io.easyremote.testing.TestCluster;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * The dashboard and the API docs page in headless Chromium: they show the nodes and functions,
 * follow joins and leaves, and render (screenshots in target/dashboard.png, target/dashboard-light.png
 * and target/docs.png, kept as test artifacts).
 */
class DashboardTest {
  @RegisterExtension
  static final TestCluster cluster = TestCluster.builder()
      .node("gpu-box", n -> n.register(new SampleFunctions("gpu-box")).label("gpu", "rtx4090").label("region", "eu-west").maxConcurrency(8))
      .node("laptop", n -> n.register(new SampleFunctions("laptop")).label("region", "home").maxConcurrency(4))
      .build();

  /** Chromium's profiles, one per page load; JUnit deletes them. */
  @TempDir
  static Path profiles;

  /** Loads the page, lets it refresh for a few (virtual) seconds, and returns its DOM; saves a screenshot when {@code png} is set. */
  private static String render(String page, String png, String... extra) throws Exception {
    List<String> args = new ArrayList<>(List.of("--window-size=1400,900"));
    if (png != null) {
      Path file = Path.of("target", png).toAbsolutePath();
      Files.deleteIfExists(file);
      args.addAll(List.of("--screenshot=" + file, "--hide-scrollbars"));
    }
    args.addAll(List.of(extra));
    String dom = Chromium.dumpDom(profiles, "http://" + cluster.address() + page, 3500, args.toArray(String[]::new));
    if (png != null) {
      Path file = Path.of("target", png);
      assertThat(file).exists();
      assertThat(Files.size(file)).isGreaterThan(20_000);
    }
    return dom;
  }

  @Test
  void dashboard_showsNodesAndFunctions_followsJoinsAndLeaves_andRenders() throws Exception {
    for (int i = 0; i < 30; i++) {
      assertThat(Http.post(cluster.address(), "/api/add", "[" + i + ", " + i + "]").statusCode()).isEqualTo(200);
    }
    assertThat(Http.post(cluster.address(), "/api/fail", "[\"boom\"]").statusCode()).isEqualTo(500);
    cluster.startNode("newcomer", n -> n.register(new SampleFunctions("newcomer")).maxConcurrency(2));
    // Traffic while the page watches, so the load bars and sparklines have something to show.
    Thread traffic = new Thread(() -> {
      for (int i = 0; i < 2000 && !Thread.currentThread().isInterrupted(); i++) {
        try {
          Http.post(cluster.address(), "/api/sleep", "[" + (i % 5) + "]");
        } catch (InterruptedException e) {
          return;
        } catch (Exception e) {
          throw new IllegalStateException(e);
        }
      }
    });
    traffic.start();
    String dom;
    try {
      dom = render("/", "dashboard.png", "--blink-settings=preferredColorScheme=0");
      render("/", "dashboard-light.png", "--blink-settings=preferredColorScheme=1");
    } finally {
      traffic.interrupt();
      traffic.join();
    }
    assertThat(dom).contains("data-node=\"gpu-box\"").contains("data-node=\"laptop\"").contains("data-node=\"newcomer\"");
    assertThat(dom).contains("gpu=rtx4090").contains("region=home");
    assertThat(dom).contains("data-function=\"add\"").contains("data-function=\"whoami\"").contains("data-function=\"count\"");
    assertThat(dom).contains("live ·");
    java.util.regex.Matcher fail = java.util.regex.Pattern.compile("<tr data-function=\"fail\".*?</tr>", java.util.regex.Pattern.DOTALL)
        .matcher(dom);
    assertThat(fail.find()).isTrue();
    assertThat(fail.group()).as("the failing function's row: 1 call, 100%% errors").contains(">1</td>").contains("100%");
    assertThat(dom).contains("<span id=\"kpi-nodes\">3</span>").contains("<span id=\"kpi-functions\">21</span>");

    cluster.stopNode("newcomer");
    String after = render("/", null);
    assertThat(after).doesNotContain("data-node=\"newcomer\"").contains("data-node=\"gpu-box\"").contains("<span id=\"kpi-nodes\">2</span>");
  }

  @Test
  void docsPage_rendersEveryFunctionFromOpenApi() throws Exception {
    String dom = render("/docs", "docs.png", "--blink-settings=preferredColorScheme=0");
    assertThat(dom).contains("data-path=\"/api/add\"").contains("data-path=\"/api/box\"").contains("data-path=\"/api/count\"");
    assertThat(dom).contains("Adds two integers").contains("(a: integer, b: integer) → integer");
    assertThat(dom).contains("(label: string, corners: array of {x: integer, y: integer})");
    assertThat(dom).contains("<b>21</b> functions registered now");
  }
}
