package io.easyremote.testing.http;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.easyremote.testing.SampleFunctions;
import io.easyremote.testing.TestCluster;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * What operators see tells callers' mistakes from failing nodes: unknown functions, bad
 * arguments and cancels do not count as node or function errors on the dashboard, and the metrics
 * and recent calls name each outcome the same way with whose fault it was.
 */
class OperatorViewsTest {
  @RegisterExtension
  final TestCluster cluster = TestCluster.builder().node("healthy", n -> n.register(new SampleFunctions("healthy"))).build();

  private JsonNode get(String path) throws Exception {
    return TestJson.mapper().readTree(Http.get(cluster.address(), path).body());
  }

  private static JsonNode function(JsonNode dashboard, String name) {
    for (JsonNode f : dashboard.get("functions")) {
      if (f.get("name").asText().equals(name)) {
        return f;
      }
    }
    throw new AssertionError("no function " + name + " in " + dashboard);
  }

  @Test
  void callerMistakes_areNotNodeErrors_onTheDashboard() throws Exception {
    for (int i = 0; i < 3; i++) {
      assertThat(Http.post(cluster.address(), "/api/add", "[1, 2]").statusCode()).isEqualTo(200);
      assertThat(Http.post(cluster.address(), "/api/add", "[\"one\", 2]").statusCode()).isEqualTo(400);
      assertThat(Http.post(cluster.address(), "/api/ad", "[1, 2]").statusCode()).isEqualTo(404);
    }
    // A caller that gives up on a running call.
    CompletableFuture<?> cancelled = cluster.client().callAsync("sleep", String.class, 5_000);
    Awaitility.await().atMost(Duration.ofSeconds(5)).until(() -> cluster.gateway().inFlightCalls() == 1);
    cancelled.cancel(true);
    Awaitility.await().atMost(Duration.ofSeconds(5)).until(() -> cluster.gateway().inFlightCalls() == 0);

    JsonNode node = get("/api/nodes/healthy");
    assertThat(node.get("callsFailed").asLong()).as("bad arguments and a cancel are not the node's failures").isZero();
    assertThat(node.get("callsServed").asLong()).isEqualTo(7);
    JsonNode add = function(get("/api/dashboard"), "add");
    assertThat(add.get("calls").asLong()).isEqualTo(6);
    assertThat(add.get("failed").asLong()).isZero();
    assertThat(add.get("callerErrors").asLong()).isEqualTo(3);

    assertThat(Http.post(cluster.address(), "/api/fail", "[\"boom\"]").statusCode()).isEqualTo(500);
    assertThat(get("/api/nodes/healthy").get("callsFailed").asLong()).isEqualTo(1);
    assertThat(function(get("/api/dashboard"), "fail").get("failed").asLong()).isEqualTo(1);

    JsonNode recent = get("/api/calls/recent");
    assertThat(recent.get(0).get("outcome").asText()).isEqualTo("function_failed");
    assertThat(recent.get(0).get("fault").asText()).isEqualTo("node");
    boolean sawCancel = false;
    for (JsonNode call : recent) {
      if (call.get("outcome").asText().equals("cancelled")) {
        assertThat(call.get("fault").asText()).isEqualTo("caller");
        sawCancel = true;
      }
    }
    assertThat(sawCancel).isTrue();
    String metrics = Http.get(cluster.address(), "/metrics").body();
    assertThat(metrics).contains("easyremote_calls_total{fault=\"caller\",function=\"add\",node=\"healthy\",outcome=\"invalid_arguments\"} 3.0")
        .contains("easyremote_calls_total{fault=\"caller\",function=\"sleep\",node=\"healthy\",outcome=\"cancelled\"} 1.0")
        .contains("easyremote_calls_total{fault=\"node\",function=\"fail\",node=\"healthy\",outcome=\"function_failed\"} 1.0");
    cancelled.handle((ok, e) -> null).get(5, TimeUnit.SECONDS);
  }
}
