package io.easyremote.testing.http;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.easyremote.testing.SampleFunctions;
import io.easyremote.testing.TestCluster;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * HTTP as generic clients expect it: GET with query arguments for functions taking scalars, 405
 * with {@code Allow} for other methods, 404 JSON for unknown functions and nodes, and no CORS
 * unless origins are configured.
 */
class HttpConventionsTest {
  @RegisterExtension
  static final TestCluster cluster = TestCluster.builder()
      .node("conv", n -> n.register(new SampleFunctions("conv")))
      .build();

  private static HttpResponse<String> send(String method, String path, String... headers) throws Exception {
    HttpRequest.Builder request = HttpRequest.newBuilder(URI.create("http://" + cluster.address() + path)).timeout(Duration.ofSeconds(20))
        .method(method, HttpRequest.BodyPublishers.noBody());
    if (headers.length > 0) {
      request.headers(headers);
    }
    return Http.CLIENT.send(request.build(), HttpResponse.BodyHandlers.ofString());
  }

  private static JsonNode json(HttpResponse<String> response) throws Exception {
    return TestJson.mapper().readTree(response.body());
  }

  @Test
  void get_scalarQueryArguments_typedByTheSchema() throws Exception {
    HttpResponse<String> add = Http.get(cluster.address(), "/api/add?a=1&b=2");
    assertThat(add.statusCode()).as(add.body()).isEqualTo(200);
    assertThat(add.body()).isEqualTo("3");
    assertThat(add.headers().firstValue("x-easyremote-node")).contains("conv");
    assertThat(Http.get(cluster.address(), "/api/big?value=3000000000").body()).isEqualTo("6000000000");
    assertThat(Http.get(cluster.address(), "/api/half?value=1.5").body()).isEqualTo("0.75");
    assertThat(Http.get(cluster.address(), "/api/not?value=true").body()).isEqualTo("false");
    assertThat(Http.get(cluster.address(), "/api/echo?text=h%C3%A9llo%20w%26rld").body()).isEqualTo("\"héllo w&rld\"");
    assertThat(Http.get(cluster.address(), "/api/nodes/conv/add?a=40&b=2").body()).isEqualTo("42");
    assertThat(Http.get(cluster.address(), "/api/whoami").body()).isEqualTo("\"conv\"");
  }

  @Test
  void get_badQueryArguments_invalidArgumentsNamingTheArgument() throws Exception {
    HttpResponse<String> notANumber = Http.get(cluster.address(), "/api/add?a=one&b=2");
    assertThat(notANumber.statusCode()).isEqualTo(400);
    assertThat(json(notANumber).get("code").asText()).isEqualTo("INVALID_ARGUMENTS");
    assertThat(json(notANumber).get("message").asText()).contains("'a'").contains("integer").contains("'one'");
    HttpResponse<String> unknown = Http.get(cluster.address(), "/api/add?a=1&c=2");
    assertThat(unknown.statusCode()).isEqualTo(400);
    assertThat(json(unknown).get("message").asText()).contains("no parameter 'c'").contains("a, b");
    HttpResponse<String> twice = Http.get(cluster.address(), "/api/add?a=1&a=2&b=3");
    assertThat(json(twice).get("message").asText()).contains("'a' is given 2 times");
    assertThat(json(Http.get(cluster.address(), "/api/not?value=yes")).get("message").asText()).contains("true or false");
  }

  @Test
  void get_functionWithStructuredParameters_405AllowPost() throws Exception {
    HttpResponse<String> move = Http.get(cluster.address(), "/api/move?dx=1");
    assertThat(move.statusCode()).isEqualTo(405);
    assertThat(move.headers().firstValue("allow")).contains("POST");
    assertThat(json(move).get("code").asText()).isEqualTo("INVALID_REQUEST");
    assertThat(json(move).get("message").asText()).contains("'p'").contains("POST /api/move");
  }

  @Test
  void otherMethods_405WithAllow_notBadRequest() throws Exception {
    for (String method : new String[] {"PUT", "DELETE", "PATCH"}) {
      for (String path : new String[] {"/api/add", "/api/count/stream", "/api/nodes/conv/add", "/api/nodes/conv/count/stream"}) {
        HttpResponse<String> response = send(method, path);
        assertThat(response.statusCode()).as(method + " " + path).isEqualTo(405);
        assertThat(response.headers().firstValue("allow")).as(method + " " + path).contains("POST, GET");
        assertThat(json(response).get("message").asText()).contains(method);
      }
    }
  }

  @Test
  void unknownFunctionOrNode_404Json_onEveryRoute() throws Exception {
    for (String path : new String[] {"/api/nope?x=1", "/api/nope/stream", "/api/nodes/conv/nope"}) {
      HttpResponse<String> response = Http.get(cluster.address(), path);
      assertThat(response.statusCode()).as(path).isEqualTo(404);
      assertThat(json(response).get("code").asText()).isEqualTo("FUNCTION_NOT_FOUND");
    }
    HttpResponse<String> sse = Http.post(cluster.address(), "/api/nope", "[]", "accept", "text/event-stream");
    assertThat(sse.statusCode()).isEqualTo(404);
    assertThat(sse.headers().firstValue("content-type").orElse("")).startsWith("application/json");
    HttpResponse<String> node = Http.get(cluster.address(), "/api/nodes/ghost");
    assertThat(node.statusCode()).isEqualTo(404);
    assertThat(json(node).get("message").asText()).contains("'ghost'");
  }

  @Test
  void noCorsOrigins_preflightRefused_noAllowOriginHeader() throws Exception {
    HttpResponse<String> preflight = send("OPTIONS", "/api/add", "origin", "http://elsewhere.test",
        "access-control-request-method", "POST", "access-control-request-headers", "content-type");
    assertThat(preflight.statusCode()).isEqualTo(405);
    assertThat(preflight.headers().firstValue("access-control-allow-origin")).isEmpty();
    HttpResponse<String> call = Http.post(cluster.address(), "/api/add", "[1, 2]", "origin", "http://elsewhere.test");
    assertThat(call.headers().firstValue("access-control-allow-origin")).isEmpty();
  }
}
