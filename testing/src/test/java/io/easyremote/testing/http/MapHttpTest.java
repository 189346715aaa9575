package io.easyremote.testing.http;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.easyremote.gateway.Access;
import io.easyremote.protocol.ErrorCode;
import io.easyremote.testing.FanOutFunctions;
import io.easyremote.testing.TestCluster;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** {@code POST /api/{function}/map}: NDJSON or SSE in input order, bounded, authorised like any call. */
class MapHttpTest {
  @RegisterExtension
  static final TestCluster cluster = TestCluster.builder()
      .node("a", n -> n.register(new FanOutFunctions("a")).maxConcurrency(4))
      .node("b", n -> n.register(new FanOutFunctions("b")).maxConcurrency(4))
      .build();

  private static List<JsonNode> ndjson(String body) throws Exception {
    List<JsonNode> lines = new ArrayList<>();
    for (String line : body.split("\n")) {
      lines.add(TestJson.mapper().readTree(line));
    }
    return lines;
  }

  private static void assertError(HttpResponse<String> response, ErrorCode code, String message) throws Exception {
    assertThat(response.statusCode()).as(response.body()).isEqualTo(code.httpStatus());
    JsonNode body = TestJson.mapper().readTree(response.body());
    assertThat(body.get("code").asText()).isEqualTo(code.name());
    assertThat(body.get("message").asText()).contains(message);
  }

  @Test
  void map_answersNdjsonInInputOrder_evenWhenEarlyItemsFinishLast() throws Exception {
    // item 0 sleeps 400 ms, the others 0-9 ms: they finish first, yet come after it
    String body = IntStream.range(0, 60).mapToObj(i -> "[" + i + "," + (i == 0 ? 400 : i % 10) + "]")
        .collect(Collectors.joining(",", "[", "]"));
    HttpResponse<String> response = Http.post(cluster.address(), "/api/square/map?window=8", body);
    assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
    assertThat(response.headers().firstValue("content-type")).hasValueSatisfying(t -> assertThat(t).startsWith("application/x-ndjson"));
    List<JsonNode> lines = ndjson(response.body());
    assertThat(lines).hasSize(61);
    for (int i = 0; i < 60; i++) {
      assertThat(lines.get(i).get("index").asInt()).isEqualTo(i);
      assertThat(lines.get(i).get("result").asLong()).isEqualTo((long) i * i);
      assertThat(lines.get(i).get("nodeId").asText()).isIn("a", "b");
    }
    assertThat(lines.get(60).toString()).isEqualTo("{\"end\":true,\"items\":60,\"written\":60,\"failed\":0}");
  }

  @Test
  void map_withEventStreamAccepted_answersItemEventsThenEnd() throws Exception {
    HttpResponse<String> response = Http.post(cluster.address(), "/api/square/map", "[[2, 0], {\"x\": 3, \"millis\": 0}]",
        "accept", "text/event-stream");
    assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
    assertThat(response.body()).startsWith("event: item\ndata: {\"index\":0,\"nodeId\":\"")
        .contains("\"result\":4}\n\nevent: item\ndata: {\"index\":1,")
        .endsWith("\"result\":9}\n\nevent: end\ndata: {\"end\":true,\"items\":2,\"written\":2,\"failed\":0}\n\n");
  }

  @Test
  void map_functionFailingOnSomeInputs_reportsEachInItsPlace() throws Exception {
    String body = IntStream.range(0, 20).mapToObj(i -> "[" + i + "]").collect(Collectors.joining(",", "[", "]"));
    List<JsonNode> lines = ndjson(Http.post(cluster.address(), "/api/picky/map", body).body());
    assertThat(lines).hasSize(21);
    for (int i : new int[] {3, 10, 17}) {
      JsonNode error = lines.get(i).get("error");
      assertThat(error.get("code").asText()).isEqualTo("FUNCTION_FAILED");
      assertThat(error.get("message").asText()).isEqualTo("bad input " + i);
    }
    assertThat(lines.get(4).get("result").asInt()).isEqualTo(4);
    assertThat(lines.get(20).get("failed").asInt()).isEqualTo(3);
  }

  @Test
  void map_badRequests_failAtOnceWithNamedErrors() throws Exception {
    assertError(Http.post(cluster.address(), "/api/nope/map", "[[1]]"), ErrorCode.FUNCTION_NOT_FOUND, "Unknown function 'nope'");
    assertError(Http.post(cluster.address(), "/api/square/map", "{\"x\": 1}"), ErrorCode.INVALID_REQUEST,
        "must be a JSON array of argument lists");
    assertError(Http.post(cluster.address(), "/api/square/map", "[[1, 0], 7]"), ErrorCode.INVALID_REQUEST,
        "Item 1 of the map of 'square' must be a JSON array of arguments or an object of named arguments, got number 7");
    assertError(Http.post(cluster.address(), "/api/square/map?window=65", "[[1, 0]]"), ErrorCode.INVALID_REQUEST,
        "window must be 1 to 64 items in flight, got 65");
    String tooMany = IntStream.range(0, 10_001).mapToObj(i -> "[]").collect(Collectors.joining(",", "[", "]"));
    assertError(Http.post(cluster.address(), "/api/square/map", tooMany), ErrorCode.INVALID_REQUEST,
        "at most 10000 items per request; this one has 10001");
    assertError(Http.get(cluster.address(), "/api/square/map"), ErrorCode.INVALID_REQUEST, "Use POST");
    assertThat(ndjson(Http.post(cluster.address(), "/api/square/map", "[]").body()))
        .extracting(JsonNode::toString).containsExactly("{\"end\":true,\"items\":0,\"written\":0,\"failed\":0}");
  }

  @Test
  void map_onAClosedGateway_isAuthorisedItemByItemLikeAnyCall() throws Exception {
    String nodeToken = "er_map-node-token-0123456789abcdef";
    String squareKey = "er_map-square-key-0123456789abcdef";
    try (TestCluster closed = TestCluster.builder()
        .gateway(g -> g.access(Access.builder()
            .nodeToken("node", nodeToken, List.of("*"), List.of("*"))
            .clientKey("squares", squareKey, List.of("square"), 0, 0)
            .build()))
        .node("locked", n -> n.token(nodeToken).register(new FanOutFunctions("locked")))
        .build().start()) {
      assertError(Http.post(closed.address(), "/api/square/map", "[[1, 0], [2, 0]]"), ErrorCode.UNAUTHENTICATED, "needs a client key");
      assertError(Http.post(closed.address(), "/api/square/map", "[[1, 0]]", "authorization", "Bearer er_wrong-key-0123456789abcdef"),
          ErrorCode.UNAUTHENTICATED, "");
      assertError(Http.post(closed.address(), "/api/picky/map", "[[1]]", "authorization", "Bearer " + squareKey),
          ErrorCode.PERMISSION_DENIED, "may not call 'picky'");
      List<JsonNode> lines = ndjson(Http.post(closed.address(), "/api/square/map", "[[1, 0], [2, 0]]",
          "authorization", "Bearer " + squareKey).body());
      assertThat(lines).extracting(l -> l.path("result").asInt()).containsExactly(1, 4, 0);
    }
  }
}
