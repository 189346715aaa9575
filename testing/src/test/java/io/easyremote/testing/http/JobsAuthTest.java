package io.easyremote.testing.http;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.easyremote.gateway.Access;
import io.easyremote.gateway.Gateway;
import io.easyremote.testing.TestCluster;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/** Only the key that submitted a job (or an admin key) may see or cancel it; anonymous callers may not submit on a closed gateway. */
class JobsAuthTest {
  static final String NODE_TOKEN = "er_jobs-node-token-0123456789abcdef";
  static final String ALICE = "er_jobs-alice-key-0123456789abcdef";
  static final String BOB = "er_jobs-bob-key-0123456789abcdef";
  static final String OPS = "er_jobs-ops-key-0123456789abcdef";

  /** Set by JUnit before the cluster starts (which reads it), deleted after the cluster has stopped. */
  @TempDir
  static Path state;

  @RegisterExtension
  static final TestCluster cluster = TestCluster.builder()
      .gateway(g -> g.state(state).access(Access.builder()
          .nodeToken("node", NODE_TOKEN, List.of("*"), List.of("*"))
          .clientKey("alice", ALICE, List.of("add", "block"), 0, 0)
          .clientKey("bob", BOB, List.of("add"), 0, 0)
          .clientKey("ops", OPS, List.of(), 0, 0, Access.Scope.ADMIN)
          .build()))
      .node("auth-jobs", n -> n.token(NODE_TOKEN).register(new JobFunctions()))
      .build();

  private static HttpResponse<String> send(String method, String path, String key) throws Exception {
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://" + cluster.address() + path)).timeout(Duration.ofSeconds(20))
        .method(method, method.equals("POST") ? HttpRequest.BodyPublishers.ofString("[1, 2]") : HttpRequest.BodyPublishers.noBody());
    if (key != null) {
      b.header("authorization", "Bearer " + key);
    }
    return Http.CLIENT.send(b.build(), HttpResponse.BodyHandlers.ofString());
  }

  private static String code(HttpResponse<String> r) throws Exception {
    return TestJson.mapper().readTree(r.body()).get("code").asText();
  }

  @Test
  void job_isVisibleAndCancellableOnlyByItsOwner() throws Exception {
    HttpResponse<String> accepted = send("POST", "/api/add?async=true", ALICE);
    assertThat(accepted.statusCode()).as(accepted.body()).isEqualTo(202);
    String id = TestJson.mapper().readTree(accepted.body()).get("id").asText();
    Awaitility.await().atMost(Duration.ofSeconds(20)).until(() ->
        TestJson.mapper().readTree(send("GET", "/api/jobs/" + id, ALICE).body()).get("state").asText().equals("succeeded"));

    HttpResponse<String> bobReads = send("GET", "/api/jobs/" + id, BOB);
    assertThat(bobReads.statusCode()).isEqualTo(404);
    assertThat(code(bobReads)).isEqualTo("JOB_NOT_FOUND");
    assertThat(bobReads.body()).doesNotContain("alice").doesNotContain("\"result\"");
    assertThat(send("DELETE", "/api/jobs/" + id, BOB).statusCode()).isEqualTo(404);
    assertThat(send("GET", "/api/jobs/" + id + "/events", BOB).statusCode()).isEqualTo(404);
    HttpResponse<String> anonymousReads = send("GET", "/api/jobs/" + id, null);
    assertThat(anonymousReads.statusCode()).isEqualTo(404);

    JsonNode mine = TestJson.mapper().readTree(send("GET", "/api/jobs/" + id, ALICE).body());
    assertThat(mine.get("result").asInt()).isEqualTo(3);
    HttpResponse<String> adminReads = send("GET", "/api/jobs/" + id, OPS);
    assertThat(adminReads.statusCode()).as("an admin key sees every job").isEqualTo(200);
  }

  @Test
  void submit_withoutKeyOrOutsideScope_isRefusedAndNothingIsStored() throws Exception {
    HttpResponse<String> anonymous = send("POST", "/api/add?async=true", null);
    assertThat(anonymous.statusCode()).isEqualTo(401);
    assertThat(code(anonymous)).isEqualTo("UNAUTHENTICATED");
    HttpResponse<String> wrongKey = send("POST", "/api/add?async=true", "er_not-a-key-0123456789abcdef");
    assertThat(wrongKey.statusCode()).isEqualTo(401);
    HttpResponse<String> outOfScope = send("POST", "/api/block?async=true", BOB);
    assertThat(outOfScope.statusCode()).as(outOfScope.body()).isEqualTo(403);
    assertThat(code(outOfScope)).isEqualTo("PERMISSION_DENIED");
  }

  @Test
  void gatewayWithoutState_refusesAsyncAndNamesTheFix() throws Exception {
    try (Gateway plain = Gateway.builder().port(0).build().start()) {
      HttpResponse<String> r = Http.post(plain.address(), "/api/add?async=true", "[1,2]");
      assertThat(r.statusCode()).isEqualTo(400);
      assertThat(TestJson.mapper().readTree(r.body()).get("message").asText()).contains("--state DIR");
    }
  }
}
