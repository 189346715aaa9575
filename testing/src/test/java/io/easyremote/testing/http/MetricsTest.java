package io.easyremote.testing.http;

import static org.assertj.core.api.Assertions.assertThat;

import io.easyremote.testing.SampleFunctions;
import io.easyremote.testing.TestCluster;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** /metrics is valid Prometheus text (checked by promtool), its counters move with calls, and per-node gauges follow nodes. */
class MetricsTest {
  @RegisterExtension
  final TestCluster cluster = TestCluster.builder()
      .node("m", n -> n.register(new SampleFunctions("m")).maxConcurrency(6))
      .node("temp", n -> n.register(new SampleFunctions("temp")))
      .build();

  private static double value(String metrics, String series) {
    Matcher m = Pattern.compile("^" + Pattern.quote(series) + " ([0-9.eE+-]+)$", Pattern.MULTILINE).matcher(metrics);
    return m.find() ? Double.parseDouble(m.group(1)) : Double.NaN;
  }

  /** promtool exits 0 when the text parses and lints clean, 1 when it does not parse, 3 for lint problems. */
  private static void promtool(String metrics) throws Exception {
    Process p;
    try {
      p = new ProcessBuilder("promtool", "check", "metrics").redirectErrorStream(true).start();
    } catch (java.io.IOException e) {
      throw new AssertionError("promtool is missing: run scripts/install-test-deps.sh (it installs Debian's prometheus package)", e);
    }
    p.getOutputStream().write(metrics.getBytes(StandardCharsets.UTF_8));
    p.getOutputStream().close();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
    assertThat(out).doesNotContain("parsing error");
    assertThat(p.exitValue()).as("promtool check metrics said:%n%s", out).isZero();
  }

  private String scrape() throws Exception {
    var response = Http.get(cluster.address(), "/metrics");
    assertThat(response.statusCode()).isEqualTo(200);
    assertThat(response.headers().firstValue("content-type").orElse("")).startsWith("text/plain");
    return response.body();
  }

  @Test
  void metrics_parseAsPrometheusText_countersMove_andNodeGaugesFollowNodes() throws Exception {
    Http.post(cluster.address(), "/api/add", "[1, 1]");
    String before = scrape();
    promtool(before);
    String ok = "easyremote_calls_total{fault=\"none\",function=\"add\",node=\"m\",outcome=\"ok\"}";
    double added = Double.isNaN(value(before, ok)) ? 0 : value(before, ok);
    for (int i = 0; i < 6; i++) {
      Http.post(cluster.address(), "/api/nodes/m/add", "[" + i + ", 1]");
    }
    assertThat(Http.post(cluster.address(), "/api/nodes/m/fail", "[\"x\"]").statusCode()).isEqualTo(500);
    Http.post(cluster.address(), "/api/no-such-function", "[]");
    Http.post(cluster.address(), "/api/nodes/m/count/stream", "[3, 0]");

    String after = scrape();
    promtool(after);
    assertThat(value(after, ok)).isEqualTo(added + 6);
    assertThat(value(after, "easyremote_calls_total{fault=\"node\",function=\"fail\",node=\"m\",outcome=\"function_failed\"}")).isEqualTo(1);
    assertThat(value(after,
        "easyremote_calls_total{fault=\"caller\",function=\"(unregistered)\",node=\"(none)\",outcome=\"function_not_found\"}"))
        .isEqualTo(1);
    // The JVM and the process, from Micrometer's standard binders.
    assertThat(after).contains("jvm_memory_used_bytes{").contains("jvm_threads_live_threads ").contains("jvm_classes_loaded_classes ")
        .contains("process_cpu_usage ").contains("process_uptime_seconds ").contains("system_cpus ");
    assertThat(value(after, "process_open_fds")).isPositive();
    assertThat(value(after, "easyremote_stream_items_total{function=\"count\"}")).isEqualTo(3);
    assertThat(value(after, "easyremote_call_duration_seconds_count{function=\"add\",node=\"m\"}")).isEqualTo(added + 6);
    assertThat(value(after, "easyremote_call_duration_seconds_bucket{function=\"add\",node=\"m\",le=\"+Inf\"}")).isEqualTo(added + 6);
    assertThat(after).contains("easyremote_queue_wait_seconds_bucket{function=\"add\",le=\"0.001\"}");
    assertThat(value(after, "easyremote_nodes_connected")).isEqualTo(2);
    assertThat(value(after, "easyremote_calls_in_flight")).isZero();
    assertThat(value(after, "easyremote_calls_queued")).isZero();
    assertThat(value(after, "easyremote_function_queued{function=\"add\"}")).isZero();
    assertThat(value(after, "easyremote_function_nodes{function=\"add\"}")).isEqualTo(2);
    assertThat(value(after, "easyremote_node_capacity{node=\"m\"}")).isEqualTo(6);
    assertThat(value(after, "easyremote_node_memory_total_bytes{node=\"m\"}")).isPositive();
    assertThat(value(after, "easyremote_node_memory_free_bytes{node=\"m\"}")).isPositive();
    assertThat(value(after, "easyremote_node_cpu_load{node=\"temp\"}")).isBetween(0.0, 1.0);
    assertThat(value(after, "easyremote_node_healthy{node=\"temp\"}")).isEqualTo(1);

    cluster.stopNode("temp");
    Awaitility.await().atMost(Duration.ofSeconds(5)).until(() -> value(scrape(), "easyremote_nodes_connected") == 1);
    String gone = scrape();
    promtool(gone);
    assertThat(gone).doesNotContain("easyremote_node_cpu_load{node=\"temp\"}").doesNotContain("easyremote_node_memory_free_bytes{node=\"temp\"}")
        .contains("easyremote_node_cpu_load{node=\"m\"}");
    assertThat(value(gone, "easyremote_function_nodes{function=\"add\"}")).isEqualTo(1);
  }
}
