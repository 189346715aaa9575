package io.easyremote.testing.http;

import static org.assertj.core.api.Assertions.assertThat;

import io.easyremote.testing.SampleFunctions;
import io.easyremote.testing.TestCluster;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** /metrics is valid Prometheus text (checked by promtool) and its counters move with calls. */
class MetricsTest {
  @RegisterExtension
  final TestCluster cluster = TestCluster.builder().node("m", n -> n.register(new SampleFunctions("m"))).build();

  private static double value(String metrics, String series) {
    Matcher m = Pattern.compile("^" + Pattern.quote(series) + " ([0-9.eE+-]+)$", Pattern.MULTILINE).matcher(metrics);
    return m.find() ? Double.parseDouble(m.group(1)) : 0;
  }

  private static void promtool(String metrics) throws Exception {
    Process p;
    try {
      p = new ProcessBuilder("promtool", "check", "metrics").redirectErrorStream(true).start();
    } catch (java.io.IOException e) {
      throw new AssertionError("promtool is missing: run scripts/install-test-deps.sh (Debian package prometheus)", e);
    }
    p.getOutputStream().write(metrics.getBytes(StandardCharsets.UTF_8));
    p.getOutputStream().close();
    String out = new String(p.getInputStream().readAllBytes());
    assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
    // promtool exits 1 for lint problems (naming advice) but 3+ for unparsable input; require a clean parse.
    assertThat(out).doesNotContain("error while linting").doesNotContain("text format parsing error");
    assertThat(p.exitValue()).as(out).isIn(0, 1);
  }

  @Test
  void metrics_parseAsPrometheusText_andCountersMove() throws Exception {
    cluster.client().call("add", Integer.class, 1, 1);
    String before = Http.get(cluster.address(), "/metrics").body();
    promtool(before);
    String series = "easyremote_calls_total{function=\"add\",node=\"m\",outcome=\"ok\"}";
    double added = value(before, series);
    for (int i = 0; i < 5; i++) {
      cluster.client().call("add", Integer.class, i, 1);
    }
    try {
      cluster.client().call("fail", String.class, "x");
    } catch (RuntimeException expected) {
      // counted as FUNCTION_FAILED
    }
    String after = Http.get(cluster.address(), "/metrics").body();
    promtool(after);
    assertThat(value(after, series)).isEqualTo(added + 5);
    assertThat(value(after, "easyremote_calls_total{function=\"fail\",node=\"m\",outcome=\"FUNCTION_FAILED\"}")).isEqualTo(1);
    assertThat(value(after, "easyremote_nodes_connected")).isEqualTo(1);
    assertThat(after).contains("easyremote_call_duration_seconds_bucket{function=\"add\"");
    assertThat(after).contains("easyremote_node_memory_free_bytes{node=\"m\"}");
  }
}
