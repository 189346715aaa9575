package io.easyremote.testing;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.easyremote.gateway.Access;
import io.easyremote.protocol.internal.Json;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 18 and docs/security.md: {@code publicStatus: true} makes the dashboard public, but not
 * the balances in it. Its credits section (every account's balance and spending) is an admin's
 * only, as {@code GET /api/account?account=} is.
 */
class CreditsPublicStatusTest {
  static final String ALICE = "er_alice-key-public-status-0123456789a";
  static final String BOB = "er_bob-key-public-status-0123456789abcd";
  static final String OPS = "er_ops-key-public-status-0123456789abcd";

  @TempDir
  Path state;

  @RegisterExtension
  final TestCluster cluster = TestCluster.builder()
      .gateway(g -> g.state(state).credits("operator", 0).access(Access.builder()
          .clientKey("alice", ALICE, List.of("*"), 0, 0)
          .clientKey("bob", BOB, List.of("*"), 0, 0)
          .adminKey("ops", OPS)
          .publicStatus(true)
          .build()))
      .build();

  private HttpResponse<String> get(String path, String key) throws Exception {
    HttpRequest.Builder request = HttpRequest.newBuilder(URI.create("http://" + cluster.address() + path)).timeout(Duration.ofSeconds(10));
    if (key != null) {
      request.header("Authorization", "Bearer " + key);
    }
    return Http1.CLIENT.send(request.build(), HttpResponse.BodyHandlers.ofString());
  }

  @Test
  void publicDashboard_showsNoAccountsBalances_toAnyoneButAnAdmin() throws Exception {
    cluster.gateway().ledger().mint("grant-1", "alice", 123_456_789).join();
    assertThat(get("/api/account?account=alice", BOB).statusCode()).isEqualTo(403);

    for (String key : new String[] {null, BOB}) {
      HttpResponse<String> dashboard = get("/api/dashboard", key);
      assertThat(dashboard.statusCode()).as("the dashboard itself is public").isEqualTo(200);
      JsonNode json = Json.mapper().readTree(dashboard.body());
      assertThat(json.has("credits")).as("credits section for key %s", key).isFalse();
      assertThat(dashboard.body()).doesNotContain("123456789");
    }
    JsonNode admin = Json.mapper().readTree(get("/api/dashboard", OPS).body());
    assertThat(admin.path("credits").path("accounts").toString()).contains("123456789");
  }
}
