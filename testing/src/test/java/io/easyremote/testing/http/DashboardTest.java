package io.easyremote.testing.http;

import static org.assertj.core.api.Assertions.assertThat;

import io.easyremote.testing.SampleFunctions;
import io.easyremote.testing.TestCluster;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The dashboard in headless Chromium: it shows the nodes and functions, follows them, and looks right (target/dashboard.png). */
class DashboardTest {
  @RegisterExtension
  final TestCluster cluster = TestCluster.builder()
      .node("gpu-box", n -> n.register(new SampleFunctions("gpu-box")).label("gpu", "rtx4090").maxConcurrency(4))
      .node("laptop", n -> n.register(new SampleFunctions("laptop")).label("region", "eu"))
      .build();

  private List<String> chromium(String... extra) throws Exception {
    Path profile = Files.createTempDirectory("chromium-profile");
    List<String> command = new ArrayList<>(List.of("chromium", "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
        "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync",
        "--user-data-dir=" + profile, "--virtual-time-budget=4000", "--window-size=1400,900"));
    command.addAll(List.of(extra));
    command.add("http://" + cluster.address() + "/");
    return command;
  }

  private String dumpDom() throws Exception {
    Process p;
    try {
      p = new ProcessBuilder(chromium("--dump-dom")).redirectError(ProcessBuilder.Redirect.DISCARD).start();
    } catch (java.io.IOException e) {
      throw new AssertionError("chromium is missing: run scripts/install-test-deps.sh (Debian package chromium)", e);
    }
    String dom = new String(p.getInputStream().readAllBytes());
    assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
    return dom;
  }

  @Test
  void dashboard_showsNodesAndFunctions_followsJoinsAndLeaves_andRendersAScreenshot() throws Exception {
    for (int i = 0; i < 20; i++) {
      cluster.client().call("add", Integer.class, i, i);
    }
    String dom = dumpDom();
    assertThat(dom).contains("data-node=\"gpu-box\"").contains("data-node=\"laptop\"").contains("gpu=rtx4090");
    assertThat(dom).contains("data-function=\"add\"").contains("data-function=\"whoami\"");
    assertThat(dom).contains("live ·");

    cluster.startNode("newcomer", n -> n.register(new SampleFunctions("newcomer")));
    assertThat(dumpDom()).contains("data-node=\"newcomer\"");
    cluster.stopNode("laptop");
    assertThat(dumpDom()).doesNotContain("data-node=\"laptop\"").contains("data-node=\"gpu-box\"");

    Path screenshot = Path.of("target", "dashboard.png").toAbsolutePath();
    Files.deleteIfExists(screenshot);
    Process p = new ProcessBuilder(chromium("--screenshot=" + screenshot, "--hide-scrollbars"))
        .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
    assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
    assertThat(screenshot).exists();
    assertThat(Files.size(screenshot)).isGreaterThan(20_000);
  }
}
