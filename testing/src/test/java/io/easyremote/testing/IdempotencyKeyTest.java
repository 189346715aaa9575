package io.easyremote.testing;

import static org.assertj.core.api.Assertions.assertThat;

import io.easyremote.gateway.Access;
import io.easyremote.protocol.Remote;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Issue 13, item 2: an idempotency key belongs to the caller that used it and to its arguments.
 * It is looked up only after authorization, a failure before dispatch is never kept, and what is
 * kept for one caller is bounded.
 */
class IdempotencyKeyTest {
  static final String TOKEN = "er_node-token-idempotency-0123456789abc";
  static final String KEY = "er_client-key-idempotency-0123456789abc";
  static final String OTHER_KEY = "er_other-key-idempotency-0123456789abcd";

  static final AtomicInteger runs = new AtomicInteger();

  /** Counts what really ran. */
  public static final class Counted {
    @Remote
    public int add(int a, int b) {
      runs.incrementAndGet();
      return a + b;
    }

    @Remote(isPublic = true)
    public String blob(int kib, int seq) {
      runs.incrementAndGet();
      return "x".repeat(kib * 1024);
    }
  }

  @RegisterExtension
  final TestCluster cluster = TestCluster.builder()
      .gateway(g -> g.access(Access.builder()
          .nodeToken("nodes", TOKEN, List.of("*"), List.of("*"))
          .clientKey("alice", KEY, List.of("*"), 0, 0)
          .clientKey("mallory", OTHER_KEY, List.of("*"), 0, 0)
          .publicFunctions("blob")
          .build()))
      .node("n1", n -> n.token(TOKEN).register(new Counted()))
      .build();

  private HttpResponse<String> post(String function, String body, String idempotencyKey, String key) throws Exception {
    HttpRequest.Builder request = HttpRequest.newBuilder(URI.create("http://" + cluster.address() + "/api/" + function))
        .timeout(Duration.ofSeconds(20)).header("Content-Type", "application/json").header("Idempotency-Key", idempotencyKey)
        .POST(HttpRequest.BodyPublishers.ofString(body));
    if (key != null) {
      request.header("Authorization", "Bearer " + key);
    }
    return Http1.CLIENT.send(request.build(), HttpResponse.BodyHandlers.ofString());
  }

  @Test
  void repeatWithoutAKey_isRefused_notReplayed() throws Exception {
    assertThat(post("add", "[40,2]", "order-1", KEY).body()).isEqualTo("42");

    HttpResponse<String> anonymous = post("add", "[1,1]", "order-1", null);
    assertThat(anonymous.statusCode()).isEqualTo(401);
    assertThat(anonymous.body()).doesNotContain("42");
    HttpResponse<String> sameArguments = post("add", "[40,2]", "order-1", null);
    assertThat(sameArguments.statusCode()).isEqualTo(401);
  }

  @Test
  void anotherCallersKey_isItsOwn_andRunsItsOwnCall() throws Exception {
    runs.set(0);
    assertThat(post("add", "[40,2]", "order-2", KEY).body()).isEqualTo("42");
    assertThat(post("add", "[1,1]", "order-2", OTHER_KEY).body()).isEqualTo("2");
    assertThat(post("add", "[40,2]", "order-2", KEY).body()).as("alice's repeat is replayed").isEqualTo("42");
    assertThat(runs.get()).isEqualTo(2);
  }

  @Test
  void repeatWithOtherArguments_isAnError() throws Exception {
    assertThat(post("add", "[2,2]", "order-3", KEY).body()).isEqualTo("4");

    HttpResponse<String> other = post("add", "[3,3]", "order-3", KEY);
    assertThat(other.statusCode()).isEqualTo(400);
    assertThat(other.body()).contains("INVALID_REQUEST").contains("other arguments");
  }

  @Test
  void refusalBeforeDispatch_isNotKept_forTheLegitimateCaller() throws Exception {
    runs.set(0);
    assertThat(post("add", "[20,22]", "order-4", null).statusCode()).isEqualTo(401);
    assertThat(post("add", "[20,22]", "order-4", KEY).body()).isEqualTo("42");
    assertThat(runs.get()).isEqualTo(1);
  }

  @Test
  void keptOutcomes_ofOneCaller_areBoundedInBytes() throws Exception {
    runs.set(0);
    // 30 anonymous calls with 1 MiB results and distinct keys: far beyond one caller's 16 MiB.
    for (int i = 0; i < 30; i++) {
      assertThat(post("blob", "[1024," + i + "]", "flood-" + i, null).statusCode()).isEqualTo(200);
    }
    assertThat(runs.get()).isEqualTo(30);

    assertThat(post("blob", "[1024,29]", "flood-29", null).statusCode()).isEqualTo(200);
    assertThat(runs.get()).as("the newest outcome is still kept").isEqualTo(30);
    assertThat(post("blob", "[1024,0]", "flood-0", null).statusCode()).isEqualTo(200);
    assertThat(runs.get()).as("the oldest was evicted to stay within the budget, so it ran again").isEqualTo(31);
  }
}
