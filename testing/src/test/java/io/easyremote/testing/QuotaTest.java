package io.easyremote.testing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import io.easyremote.client.Client;
import io.easyremote.gateway.Access;
import io.easyremote.gateway.Access.Quota;
import io.easyremote.protocol.ErrorCode;
import io.easyremote.protocol.Remote;
import io.easyremote.protocol.RemoteException;
import io.easyremote.protocol.internal.Json;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Issue 18: per-account quotas through a real gateway and nodes on loopback. A caller over its
 * calls-per-second quota is refused with QUOTA_EXCEEDED (HTTP 429 with Retry-After) before any
 * node runs the call, and is served again once the second turns; once an owner's nodes have served
 * others their daily share, other accounts' calls to them are refused with QUOTA_EXCEEDED while the
 * owner's own calls still run there.
 */
class QuotaTest {
  static final String CAROL_TOKEN = "er_node-token-quota-carol-0123456789";
  static final String ALICE = "er_alice-key-quota-0123456789abcdefg";
  static final String CAROL = "er_carol-key-quota-0123456789abcdefg";
  static final AtomicInteger runs = new AtomicInteger();

  /** Says which node ran it, after working for the given milliseconds. */
  public static final class Work {
    private final String node;

    public Work(String node) {
      this.node = node;
    }

    @Remote
    public String work(int millis) throws InterruptedException {
      runs.incrementAndGet();
      TimeUnit.MILLISECONDS.sleep(millis); // simulated work: the execution time the quota counts
      return node;
    }
  }

  @RegisterExtension
  final TestCluster cluster = TestCluster.builder()
      .gateway(g -> g.access(Access.builder()
          .nodeToken("carol-box", CAROL_TOKEN, List.of("*"), List.of("*"), "carol")
          .clientKey("alice", ALICE, List.of("*"), 0, 0)
          .clientKey("carol", CAROL, List.of("*"), 0, 0)
          // carol: 2 calls a second, and her nodes serve others at most 1 s a day (her own calls on them do not count)
          .quota("carol", new Quota(2, 0, 0, 0, 1))
          .build()))
      .node("carol-node", n -> n.token(CAROL_TOKEN).register(new Work("carol-node")))
      .build();

  @AfterEach
  void reset() {
    runs.set(0);
  }

  private Client client(String key) {
    return Client.builder().gateway(cluster.address()).apiKey(key).deadline(Duration.ofSeconds(5)).build();
  }

  private HttpResponse<String> call(String key, int millis) throws Exception {
    HttpRequest request = HttpRequest.newBuilder(URI.create("http://" + cluster.address() + "/api/work"))
        .timeout(Duration.ofSeconds(10)).header("Content-Type", "application/json").header("Authorization", "Bearer " + key)
        .POST(HttpRequest.BodyPublishers.ofString("[" + millis + "]")).build();
    return Http1.CLIENT.send(request, HttpResponse.BodyHandlers.ofString());
  }

  @Test
  void callsPerSecond_overTheLimit_429WithRetryAfter_thenServedAfterTheWindow() throws Exception {
    int succeeded = 0;
    HttpResponse<String> refused = null;
    for (int i = 0; i < 20 && refused == null; i++) {
      HttpResponse<String> response = call(CAROL, 0);
      if (response.statusCode() == 200) {
        succeeded++;
      } else {
        refused = response;
      }
    }
    assertThat(refused).as("a 3rd call within one second is refused").isNotNull();
    assertThat(refused.statusCode()).as(refused.body()).isEqualTo(429);
    assertThat(refused.headers().firstValue("Retry-After")).hasValue("1");
    JsonNode body = Json.mapper().readTree(refused.body());
    assertThat(body.get("code").asText()).isEqualTo("QUOTA_EXCEEDED");
    assertThat(body.get("reachedNode").asBoolean()).isFalse();
    assertThat(body.get("retryAfterMs").asLong()).isBetween(1L, 1000L);
    assertThat(body.get("message").asText()).contains("'carol'", "2 calls per second");
    assertThat(succeeded).isGreaterThanOrEqualTo(2);
    assertThat(runs.get()).as("no node ran a refused call").isEqualTo(succeeded);

    // the same over gRPC with the Java client, and recovery once the second turns
    try (Client carol = client(CAROL)) {
      assertThatThrownBy(() -> {
        for (int i = 0; i < 20; i++) {
          carol.call("work", String.class, 0);
        }
      }).isInstanceOfSatisfying(RemoteException.class, e -> {
        assertThat(e.code()).isEqualTo(ErrorCode.QUOTA_EXCEEDED);
        assertThat(e.reachedNode()).isFalse();
        assertThat(e.retryAfterMillis()).isBetween(1L, 1000L);
      });
      await().atMost(Duration.ofSeconds(3)).pollInterval(Duration.ofMillis(100))
          .until(() -> call(CAROL, 0).statusCode() == 200);
      assertThat(carol.call("work", String.class, 0)).isEqualTo("carol-node");
    }
  }

  @Test
  void servesOthersSecondsPerDay_spent_refusesOthersCalls_butNotTheOwners() throws Exception {
    try (Client alice = client(ALICE); Client carol = client(CAROL)) {
      assertThat(alice.call("work", String.class, 1_100)).isEqualTo("carol-node"); // 1.1 s served to alice: carol's share is spent
      int ran = runs.get();
      assertThatThrownBy(() -> alice.call("work", String.class, 0)).isInstanceOfSatisfying(RemoteException.class, e -> {
        assertThat(e.code()).isEqualTo(ErrorCode.QUOTA_EXCEEDED);
        assertThat(e.reachedNode()).isFalse();
        assertThat(e.retryAfterMillis()).isBetween(1L, 86_400_000L);
        assertThat(e.getMessage()).contains("carol");
      });
      HttpResponse<String> overHttp = call(ALICE, 0);
      assertThat(overHttp.statusCode()).as(overHttp.body()).isEqualTo(429);
      assertThat(Long.parseLong(overHttp.headers().firstValue("Retry-After").orElseThrow())).isBetween(1L, 86_400L);
      assertThat(runs.get()).as("no node ran a refused call").isEqualTo(ran);

      assertThat(carol.call("work", String.class, 0)).as("an owner's own calls are not limited").isEqualTo("carol-node");

    }
  }
}
