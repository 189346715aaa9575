package io.easyremote.testing.http;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.easyremote.protocol.ErrorCode;
import io.easyremote.testing.SampleFunctions;
import io.easyremote.testing.TcpProxy;
import io.easyremote.testing.TestCluster;
import java.io.ByteArrayInputStream;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** REST calls by position and by name, and every error code we can produce as its documented HTTP status and JSON body. */
class RestTest {
  private static final ObjectMapper JSON = new ObjectMapper();

  @RegisterExtension
  static final TestCluster cluster = TestCluster.builder()
      .gateway(g -> g.maxQueuedCallsPerFunction(1).maxPayloadBytes(1 << 20))
      .node("rest", n -> n.register(new SampleFunctions("rest")).maxConcurrency(4))
      .build();

  private static HttpResponse<String> post(String path, String body, String... headers) throws Exception {
    return Http.post(cluster.address(), path, body, headers);
  }

  private static JsonNode json(HttpResponse<String> response) throws Exception {
    return JSON.readTree(response.body());
  }

  /** The documented status, a JSON body with the code's name, and a message naming what went wrong. */
  private static JsonNode assertError(HttpResponse<String> response, ErrorCode code, String messagePart) throws Exception {
    assertThat(response.statusCode()).as(response.body()).isEqualTo(code.httpStatus());
    assertThat(response.headers().firstValue("content-type").orElse("")).startsWith("application/json");
    JsonNode body = json(response);
    assertThat(body.get("code").asText()).isEqualTo(code.name());
    assertThat(body.get("message").asText()).contains(messagePart);
    return body;
  }

  @Test
  void add_positionalAndNamed_returnTheJsonResult() throws Exception {
    HttpResponse<String> positional = post("/api/add", "[2, 3]");
    assertThat(positional.statusCode()).isEqualTo(200);
    assertThat(positional.headers().firstValue("content-type").orElse("")).startsWith("application/json");
    assertThat(positional.body()).isEqualTo("5");
    assertThat(positional.headers().firstValue("x-easyremote-node")).contains("rest");
    assertThat(post("/api/add", "{\"a\": 40, \"b\": 2}").body()).isEqualTo("42");
    assertThat(post("/api/nodes/rest/points", "[2]").body()).isEqualTo("[{\"x\":0,\"y\":0},{\"x\":1,\"y\":1}]");
    assertThat(post("/api/box", "{\"label\": \"l\", \"corners\": [{\"x\": 1, \"y\": 2}]}").body())
        .isEqualTo("{\"label\":\"l\",\"corners\":[{\"x\":1,\"y\":2}]}");
    assertThat(post("/api/nothing", "").body()).isEqualTo("null");
    assertThat(post("/api/add?timeout=5s&strategy=least_loaded", "[1, 1]").body()).isEqualTo("2");
    assertThat(post("/api/add", "[1, 2]", "X-EasyRemote-Timeout", "500ms").body()).isEqualTo("3");
  }

  @Test
  void bytes_travelRawBothWays() throws Exception {
    HttpResponse<byte[]> reversed = Http.CLIENT.send(HttpRequest.newBuilder(URI.create("http://" + cluster.address() + "/api/reverse"))
        .header("content-type", "application/octet-stream").POST(HttpRequest.BodyPublishers.ofByteArray(new byte[] {1, 2, 3})).build(),
        HttpResponse.BodyHandlers.ofByteArray());
    assertThat(reversed.statusCode()).isEqualTo(200);
    assertThat(reversed.headers().firstValue("content-type")).contains("application/octet-stream");
    assertThat(reversed.body()).containsExactly(3, 2, 1);
  }

  @Test
  void errors_mapToTheirStatusAndJsonBody() throws Exception {
    assertError(post("/api/ad", "[1, 2]"), ErrorCode.FUNCTION_NOT_FOUND, "Unknown function 'ad'");
    assertError(post("/api/add", "[1, \"two\"]"), ErrorCode.INVALID_ARGUMENTS, "'b'");
    assertError(post("/api/add", "[1, "), ErrorCode.INVALID_ARGUMENTS, "not valid JSON");
    assertError(post("/api/add?timeout=soon", "[1, 2]"), ErrorCode.INVALID_REQUEST, "'soon' is not a duration");
    assertError(post("/api/add", "[1, 2]", "X-EasyRemote-Timeout", "0s"), ErrorCode.INVALID_REQUEST, "must be > 0");
    assertError(post("/api/add?strategy=fastest", "[1, 2]"), ErrorCode.INVALID_REQUEST, "Unknown strategy 'fastest'");
    assertError(post("/api/add?require=gpu", "[1, 2]"), ErrorCode.INVALID_REQUEST, "require must be label=value");
    assertError(post("/api/nodes/ghost/add", "[1, 2]"), ErrorCode.NO_NODE_AVAILABLE, "'ghost'");
    assertError(post("/api/add?require=gpu=*", "[1, 2]"), ErrorCode.NO_NODE_AVAILABLE, "no label gpu");
    assertError(post("/api/sleep?timeout=100ms", "[2000]"), ErrorCode.DEADLINE_EXCEEDED, "Deadline exceeded");
    assertError(post("/api/sleep", "[2000]", "X-EasyRemote-Timeout", "100ms"), ErrorCode.DEADLINE_EXCEEDED, "Deadline exceeded");
    JsonNode failed = assertError(post("/api/fail", "[\"disk on fire\"]"), ErrorCode.FUNCTION_FAILED, "disk on fire");
    assertThat(failed.get("remoteType").asText()).isEqualTo("java.lang.IllegalStateException");
    assertThat(failed.get("nodeId").asText()).isEqualTo("rest");
    assertThat(failed.get("reachedNode").asBoolean()).isTrue();
    assertError(post("/api/count", "[3, 1]", "accept", "application/json"), ErrorCode.INVALID_REQUEST, "streaming function");
    assertError(Http.get(cluster.address(), "/api/a/b/c"), ErrorCode.FUNCTION_NOT_FOUND, "No route for GET /api/a/b/c");
    Awaitility.await().atMost(Duration.ofSeconds(5)).until(() -> cluster.gateway().inFlightCalls() == 0);
  }

  @Test
  void bodiesOverTheLimit_answer413_withOrWithoutAContentLength() throws Exception {
    String big = "[\"" + "x".repeat(2 << 20) + "\"]";
    assertError(post("/api/echo", big), ErrorCode.PAYLOAD_TOO_LARGE, "limit of 1048576 bytes");
    HttpResponse<String> chunked = Http.CLIENT.send(HttpRequest.newBuilder(URI.create("http://" + cluster.address() + "/api/echo"))
        .POST(HttpRequest.BodyPublishers.ofInputStream(() -> new ByteArrayInputStream(big.getBytes()))).build(),
        HttpResponse.BodyHandlers.ofString());
    assertError(chunked, ErrorCode.PAYLOAD_TOO_LARGE, "limit of 1048576 bytes");
    assertThat(post("/api/echo", "[\"" + "x".repeat(1000) + "\"]").statusCode()).isEqualTo(200);
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
    JsonNode body = assertError(overloaded, ErrorCode.OVERLOADED, "queue is full");
    long retryAfterMs = body.get("retryAfterMs").asLong();
    assertThat(retryAfterMs).isPositive();
    assertThat(overloaded.headers().firstValue("retry-after").map(Long::parseLong)).contains(Math.max(1, (retryAfterMs + 999) / 1000));
    for (CompletableFuture<HttpResponse<String>> call : busy) {
      assertThat(call.get().statusCode()).isEqualTo(200);
    }
  }

  @Test
  void nodeLostMidCall_answers502NamingTheNode() throws Exception {
    TcpProxy proxy = cluster.startNodeBehindProxy("fragile", n -> n.register(new SampleFunctions("fragile")));
    try {
      CompletableFuture<HttpResponse<String>> call = CompletableFuture.supplyAsync(() -> {
        try {
          return post("/api/nodes/fragile/sleep", "[5000]");
        } catch (Exception e) {
          throw new IllegalStateException(e);
        }
      });
      Awaitility.await().atMost(Duration.ofSeconds(5)).until(() -> cluster.gateway().inFlightCalls() == 1);
      proxy.cut();
      JsonNode body = assertError(call.get(), ErrorCode.NODE_LOST, "'fragile'");
      assertThat(body.get("nodeId").asText()).isEqualTo("fragile");
    } finally {
      cluster.stopNode("fragile");
    }
  }

  @Test
  void statusEndpoints_describeNodesFunctionsAndRecentCalls() throws Exception {
    post("/api/add", "[20, 22]");
    JsonNode nodes = JSON.readTree(Http.get(cluster.address(), "/api/nodes").body());
    assertThat(nodes.findValuesAsText("id")).contains("rest");
    JsonNode functions = JSON.readTree(Http.get(cluster.address(), "/api/functions").body());
    assertThat(functions.findValuesAsText("name")).contains("add", "count", "points");
    JsonNode health = JSON.readTree(Http.get(cluster.address(), "/healthz").body());
    assertThat(health.get("status").asText()).isEqualTo("ok");
    assertThat(health.get("nodes").asInt()).isEqualTo(1);
    JsonNode rest = JSON.readTree(Http.get(cluster.address(), "/api/nodes/rest").body());
    assertThat(rest.get("maxConcurrency").asInt()).isEqualTo(4);
    HttpResponse<String> ghost = Http.get(cluster.address(), "/api/nodes/ghost");
    assertThat(ghost.statusCode()).as("an unknown node is not a resource: 404, as gRPC GetNode answers NOT_FOUND").isEqualTo(404);
    assertThat(json(ghost).get("code").asText()).isEqualTo("NO_NODE_AVAILABLE");
    assertThat(json(ghost).get("message").asText()).contains("'ghost'");
    JsonNode recent = JSON.readTree(Http.get(cluster.address(), "/api/calls/recent").body());
    assertThat(recent.get(0).get("function").asText()).isEqualTo("add");
    assertThat(recent.get(0).get("outcome").asText()).isEqualTo("ok");
    assertThat(recent.get(0).get("fault").asText()).isEqualTo("none");
    assertThat(recent.get(0).get("node").asText()).isEqualTo("rest");
    JsonNode dashboard = JSON.readTree(Http.get(cluster.address(), "/api/dashboard").body());
    assertThat(dashboard.at("/nodes/0/id").asText()).isEqualTo("rest");
    assertThat(dashboard.at("/calls/0/function").asText()).isEqualTo("add");
    JsonNode add = null;
    for (JsonNode function : dashboard.get("functions")) {
      if (function.get("name").asText().equals("add")) {
        add = function;
      }
    }
    assertThat(add).isNotNull();
    assertThat(add.get("calls").asLong()).isPositive();
    assertThat(add.get("p50Millis").asDouble()).isPositive();
    assertThat(add.get("nodeIds").toString()).isEqualTo("[\"rest\"]");
  }
}
