package io.easyremote.testing.http;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.easyremote.gateway.Access;
import io.easyremote.protocol.ErrorCode;
import io.easyremote.protocol.Remote;
import io.easyremote.testing.TestCluster;
import java.net.http.HttpResponse;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** 401 and 403 over REST, on a gateway that requires client keys. */
class RestAuthTest {
  private static final ObjectMapper JSON = new ObjectMapper();

  static final String NODE_TOKEN = "er_rest-node-token-0123456789abcdef";
  static final String MATH_KEY = "er_rest-math-key-0123456789abcdef";

  /** One private function, one public, one the key does not cover. */
  public static final class Functions {
    @Remote
    public int add(int a, int b) {
      return a + b;
    }

    @Remote(isPublic = true)
    public String status() {
      return "up";
    }

    @Remote
    public String secret() {
      return "42";
    }
  }

  @RegisterExtension
  static final TestCluster cluster = TestCluster.builder()
      .gateway(g -> g.access(Access.builder()
          .nodeToken("node", NODE_TOKEN, List.of("*"), List.of("*"))
          .clientKey("math", MATH_KEY, List.of("add"), 0, 0)
          .publicFunctions("status")
          .build()))
      .node("auth", n -> n.token(NODE_TOKEN).register(new Functions()))
      .build();

  private static void assertError(HttpResponse<String> response, ErrorCode code, String messagePart) throws Exception {
    assertThat(response.statusCode()).as(response.body()).isEqualTo(code.httpStatus());
    JsonNode body = JSON.readTree(response.body());
    assertThat(body.get("code").asText()).isEqualTo(code.name());
    assertThat(body.get("message").asText()).contains(messagePart);
  }

  @Test
  void keys_gateCallsOverRest() throws Exception {
    assertError(Http.post(cluster.address(), "/api/add", "[1, 2]"), ErrorCode.UNAUTHENTICATED, "needs a client key");
    assertError(Http.post(cluster.address(), "/api/add", "[1, 2]", "authorization", "Bearer er_wrong-key-0123456789abcdef"),
        ErrorCode.UNAUTHENTICATED, "");
    assertError(Http.post(cluster.address(), "/api/secret", "", "authorization", "Bearer " + MATH_KEY),
        ErrorCode.PERMISSION_DENIED, "may not call 'secret'");
    assertThat(Http.post(cluster.address(), "/api/add", "[1, 2]", "authorization", "Bearer " + MATH_KEY).body()).isEqualTo("3");
    assertThat(Http.post(cluster.address(), "/api/status", "").body()).isEqualTo("\"up\"");
  }
}
