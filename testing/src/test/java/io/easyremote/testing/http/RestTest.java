package io.easyremote.testing.http;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.easyremote.protocol.ErrorCode;
import io.easyremote.protocol.internal.Json;
import io.easyremote.testing.SampleFunctions;
import io.easyremote.testing.TcpProxy;
import io.easyremote.testing.TestCluster;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** REST calls by position and by name, and every error code as its documented HTTP status and JSON body. */
class RestTest {
  @RegisterExtension
  final TestCluster cluster = TestCluster.builder()
      .gateway(g -> g.maxQueuedCallsPerFunction(1).maxPayloadBytes(1 << 20))
      .node("rest", n -> n.register(new SampleFunctions("rest")).maxConcurrency(4))
      .build();

  private HttpResponse<String> post(String path, String body, String... headers) throws Exception {
    return Http.post(cluster.address(), path, body, headers);
  }

  private static JsonNode json(HttpResponse<String> response) throws Exception {
    return Json.mapper().readTree(response.body());
  }

  private static void assertError(HttpResponse<String> response, ErrorCode code, String messagePart) throws Exception {
    assertThat(response.statusCode()).as(response.body()).isEqualTo(code.httpStatus());
    assertThat(response.headers().firstValue("content-type").orElse("")).startsWith("application/json");
    JsonNode body = json(response);
    assertThat(body.get("code").asText()).isEqualTo(code.name());
    assertThat(body.get("message").asText()).contains(messagePart);
  }

  @Test
  void add_positionalAndNamed_returnTheJsonResult() throws Exception {
    HttpResponse<String> positional = post("/api/add", "[2, 3]");
    assertThat(positional.statusCode()).isEqualTo(200);
    assertThat(positional.body()).isEqualTo("5");
    assertThat(positional.headers().firstValue("x-easyremote-node")).contains("rest");
    assertThat(post("/api/add", "{\"a\": 40, \"b\": 2}").body()).isEqualTo("42");
    assertThat(post("/api/nodes/rest/points", "[2]").body()).isEqualTo("[{\"x\":0,\"y\":0},{\"x\":1,\"y\":1}]");
    assertThat(post("/api/nothing", "").body()).isEqualTo("null");
  }

  @Test
  void errors_mapToTheirStatusAndJsonBody() throws Exception {
    assertError(post("/api/ad", "[1, 2]"), ErrorCode.FUNCTION_NOT_FOUND, "Unknown function 'ad'");
    assertError(post("/api/add", "[1, \"two\"]"), ErrorCode.INVALID_ARGUMENTS, "'b'");
    assertError(post("/api/add", "[1, "), ErrorCode.INVALID_ARGUMENTS, "not valid JSON");
    assertError(post("/api/add?timeout=soon", "[1, 2]"), ErrorCode.INVALID_REQUEST, "'soon' is not a duration");
    assertError(post("/api/add?strategy=fastest", "[1, 2]"), ErrorCode.INVALID_REQUEST, "Unknown strategy 'fastest'");
    assertError(post("/api/echo", "[\"" + "x".repeat(2 << 20) + "\"]"), ErrorCode.PAYLOAD_TOO_LARGE, "limit");
    assertError(post("/api/nodes/ghost/add", "[1, 2]"), ErrorCode.NO_NODE_AVAILABLE, "'ghost'");
    assertError(post("/api/add?require=gpu=*", "[1, 2]"), ErrorCode.NO_NODE_AVAILABLE, "no label gpu");
    assertError(post("/api/sleep?timeout=100ms", "[2000]"), ErrorCode.DEADLINE_EXCEEDED, "Deadline exceeded");
    HttpResponse<String> failed = post("/api/fail", "[\"disk on fire\"]");
    assertError(failed, ErrorCode.FUNCTION_FAILED, "disk on fire");
    assertThat(json(failed).get("remoteType").asText()).isEqualTo("java.lang.IllegalStateException");
    assertThat(json(failed).get("nodeId").asText()).isEqualTo("rest");
    assertError(post("/api/count", "[3, 1]", "accept", "application/json"), ErrorCode.INVALID_REQUEST, "streaming function");
    assertThat(Http.get(cluster.address(), "/api/add").statusCode()).isEqualTo(400);
  }

  @Test
  void fullQueue_answers429WithRetryAfter() throws Exception {
    List<CompletableFuture<HttpResponse<String>>> busy = new ArrayList<>();
    for (int i = 0; i < 5; i++) { // 4 run, 1 waits: the queue of 1 is full
      busy.add(CompletableFuture.supplyAsync(() -> {
        try {
          return post("/api/sleep", "[800]");
        } catch (Exception e) {
          throw new IllegalStateException(e);
        }
      }));
    }
    Awaitility.await().atMost(Duration.ofSeconds(5)).until(() -> cluster.gateway().queuedCalls() == 1);
    HttpResponse<String> overloaded = post("/api/sleep", "[1]");
    assertError(overloaded, ErrorCode.OVERLOADED, "queue is full");
    assertThat(overloaded.headers().firstValue("retry-after")).isPresent();
    for (CompletableFuture<HttpResponse<String>> call : busy) {
      assertThat(call.get().statusCode()).isEqualTo(200);
    }
  }

  @Test
  void nodeLostMidCall_answers502NamingTheNode() throws Exception {
    SampleFunctions fragile = new SampleFunctions("fragile");
    TcpProxy proxy = cluster.startNodeBehindProxy("fragile", n -> n.register(fragile));
    CompletableFuture<HttpResponse<String>> call = CompletableFuture.supplyAsync(() -> {
      try {
        return post("/api/nodes/fragile/sleep", "[5000]");
      } catch (Exception e) {
        throw new IllegalStateException(e);
      }
    });
    Awaitility.await().atMost(Duration.ofSeconds(5)).until(() -> cluster.gateway().inFlightCalls() == 1);
    proxy.cut();
    assertError(call.get(), ErrorCode.NODE_LOST, "'fragile'");
  }

  @Test
  void statusEndpoints_describeNodesAndFunctions() throws Exception {
    JsonNode nodes = Json.mapper().readTree(Http.get(cluster.address(), "/api/nodes").body());
    assertThat(nodes.get(0).get("id").asText()).isEqualTo("rest");
    JsonNode functions = Json.mapper().readTree(Http.get(cluster.address(), "/api/functions").body());
    assertThat(functions.findValuesAsText("name")).contains("add", "count", "points");
    assertThat(Json.mapper().readTree(Http.get(cluster.address(), "/healthz").body()).get("nodes").asInt()).isEqualTo(1);
    assertThat(Http.get(cluster.address(), "/api/nodes/rest").statusCode()).isEqualTo(200);
    assertThat(Http.get(cluster.address(), "/api/nodes/ghost").statusCode()).isEqualTo(503);
  }
}
