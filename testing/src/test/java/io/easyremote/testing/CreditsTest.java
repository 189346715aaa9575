package io.easyremote.testing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.tuple;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import io.easyremote.client.Client;
import io.easyremote.client.ResultStream;
import io.easyremote.gateway.Access;
import io.easyremote.protocol.ErrorCode;
import io.easyremote.protocol.Remote;
import io.easyremote.protocol.RemoteException;
import io.easyremote.protocol.internal.Json;
import io.easyremote.store.Ledger.Statement;
import io.easyremote.store.Transfer;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 18: paid calls through a real gateway and nodes on loopback, with the ledger in SQLite.
 * A paid call charges its caller and pays the node's owner and the operator exactly; an account
 * that runs out is refused before any node runs its call; an idempotent replay charges once; a
 * call that never reaches a node is voided; another caller cannot see or spend an account; only an
 * admin key grants. The ledger's audit (conservation) is checked after every test.
 */
class CreditsTest {
  static final String OWNER_TOKEN = "er_node-token-credits-owner-0123456789";
  static final String ALICE = "er_alice-key-credits-0123456789abcdef";
  static final String BOB = "er_bob-key-credits-0123456789abcdefgh";
  static final String OPS = "er_ops-key-credits-0123456789abcdefghi";
  static final long PRICE = 100;
  static final int FEE_BASIS_POINTS = 1_000; // 10%

  static final AtomicInteger runs = new AtomicInteger();
  static volatile CountDownLatch gate = new CountDownLatch(0);

  /** Paid and free functions. */
  public static final class Paid {
    @Remote
    public int work(int x) {
      runs.incrementAndGet();
      return x * 2;
    }

    @Remote(idempotent = true)
    public int once(int x) {
      runs.incrementAndGet();
      return x + 1;
    }

    @Remote
    public int hold(int x) throws InterruptedException {
      runs.incrementAndGet();
      gate.await(10, TimeUnit.SECONDS);
      return x;
    }

    @Remote
    public int free(int x) {
      runs.incrementAndGet();
      return x;
    }

    /** Streams {@code n} items, then waits for {@link #gate} (up to 10 s) before its end. */
    @Remote
    public Iterator<Integer> items(int n) {
      runs.incrementAndGet();
      return new Iterator<>() {
        int next;

        @Override
        public boolean hasNext() {
          if (next < n) {
            return true;
          }
          try {
            gate.await(10, TimeUnit.SECONDS);
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
          }
          return false;
        }

        @Override
        public Integer next() {
          return next++;
        }
      };
    }
  }

  /** Set by JUnit before the cluster starts (which reads it), deleted after the cluster has stopped. */
  @TempDir
  Path state;

  @RegisterExtension
  final TestCluster cluster = TestCluster.builder()
      .gateway(g -> g.state(state).credits("operator", FEE_BASIS_POINTS).access(Access.builder()
          .nodeToken("gpu-box", OWNER_TOKEN, List.of("*"), List.of("*"), "owner")
          .clientKey("alice", ALICE, List.of("*"), 0, 0)
          .clientKey("bob", BOB, List.of("*"), 0, 0)
          .adminKey("ops", OPS)
          .build()))
      .node("paid", n -> n.token(OWNER_TOKEN).maxConcurrency(1).register(new Paid())
          .price("work", PRICE, 0).price("once", PRICE, 0).price("hold", PRICE, 0).price("items", PRICE, 0))
      .build();

  @AfterEach
  void conservationHolds() {
    await().atMost(Duration.ofSeconds(10)).until(() -> ledger().audit().reserved() == 0);
    io.easyremote.store.Ledger.Audit audit = ledger().audit();
    assertThat(audit.problems()).isEmpty();
    assertThat(audit.held()).isEqualTo(audit.minted());
  }

  private io.easyremote.store.Ledger ledger() {
    return cluster.gateway().ledger();
  }

  private Statement statement(String account) {
    return ledger().statement(account, 10).orElseThrow();
  }

  private Client client(String key) {
    return Client.builder().gateway(cluster.address()).apiKey(key).deadline(Duration.ofSeconds(5)).build();
  }

  private HttpResponse<String> http(String method, String path, String body, String key, String idempotencyKey) throws Exception {
    HttpRequest.Builder request = HttpRequest.newBuilder(URI.create("http://" + cluster.address() + path)).timeout(Duration.ofSeconds(10))
        .header("Content-Type", "application/json")
        .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
    if (key != null) {
      request.header("Authorization", "Bearer " + key);
    }
    if (idempotencyKey != null) {
      request.header("Idempotency-Key", idempotencyKey);
    }
    return Http1.CLIENT.send(request.build(), HttpResponse.BodyHandlers.ofString());
  }

  private void grant(String account, long amount) throws Exception {
    HttpResponse<String> response = http("POST", "/api/admin/grant", "{\"account\":\"" + account + "\",\"amount\":" + amount + "}", OPS, null);
    assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
  }

  @Test
  void manyPaidCallsAtOnce_eachResultFollowsItsSettlement_andTheLastCreditIsSpentExactly() throws Exception {
    grant("alice", 20 * PRICE);
    int before = runs.get();
    try (Client alice = client(ALICE)) {
      List<CompletableFuture<Integer>> calls = new java.util.ArrayList<>();
      for (int i = 0; i < 24; i++) { // 4 more than alice can pay for
        calls.add(alice.callAsync("work", Integer.class, i));
      }
      int succeeded = 0;
      int refused = 0;
      for (CompletableFuture<Integer> call : calls) {
        try {
          call.get(30, TimeUnit.SECONDS);
          succeeded++;
        } catch (java.util.concurrent.ExecutionException e) {
          assertThat(e.getCause()).isInstanceOfSatisfying(RemoteException.class, r -> {
            assertThat(r.code()).isEqualTo(ErrorCode.INSUFFICIENT_CREDITS);
            assertThat(r.reachedNode()).isFalse();
          });
          refused++;
        }
      }
      assertThat(succeeded).isEqualTo(20);
      assertThat(refused).isEqualTo(4);
      assertThat(runs.get() - before).as("no node ran a refused call").isEqualTo(20);
      assertThat(statement("alice").spent()).as("every result seen was already charged").isEqualTo(20 * PRICE);
      assertThat(statement("alice").account().available()).isZero();
    }
  }

  @Test
  void paidCall_chargesTheCaller_andPaysTheOwnerAndTheOperatorExactly() throws Exception {
    grant("alice", 1_000);
    long transfers = ledger().audit().transfers();
    try (Client alice = client(ALICE)) {
      assertThat(alice.call("work", Integer.class, 21)).isEqualTo(42);
    }
    // No waiting: a paid result is released only once its charge is committed (a crash now cannot undo it).
    assertThat(statement("owner").earned()).isEqualTo(90);
    assertThat(statement("alice").spent()).isEqualTo(PRICE);
    assertThat(statement("alice").account().available()).isEqualTo(900);
    assertThat(statement("alice").account().reserved()).isZero();
    assertThat(statement("operator").earned()).isEqualTo(10);
    // A short call's reservation was held in memory only: its charge, the owner's share and the operator's fee, is posted
    // straight from the caller and tallied with the other calls charged meanwhile (Ledger.tallyCall: no row of its own);
    // the tallies run for about a second, then become two transfers.
    await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(ledger().audit().transfers()).isEqualTo(transfers + 2));
    assertThat(statement("alice").recent().subList(0, 2)).extracting(Transfer::code, Transfer::amount)
        .containsExactlyInAnyOrder(tuple("fee", 10L), tuple("share", 90L));
    assertThat(statement("alice").recent().subList(0, 2)).allSatisfy(t -> assertThat(t.id()).startsWith("tally:"));

    JsonNode account = Json.mapper().readTree(http("GET", "/api/account", null, ALICE, null).body());
    assertThat(account.path("available").asLong()).isEqualTo(900);
    assertThat(account.path("spent").asLong()).isEqualTo(PRICE);
    assertThat(account.path("recent").size()).isPositive();
    await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
      JsonNode usage = Json.mapper().readTree(http("GET", "/api/usage?by=function", null, ALICE, null).body());
      assertThat(usage.path("usage")).hasSize(1); // metering sums are written within a second
      assertThat(usage.path("usage").get(0).path("key").asText()).isEqualTo("work");
      assertThat(usage.path("usage").get(0).path("calls").asLong()).isEqualTo(1);
    });
  }

  @Test
  void gatewayThatStops_writesItsRunningTalliesAsTransfers() throws Exception {
    grant("alice", 1_000);
    long transfers = ledger().audit().transfers();
    try (Client alice = client(ALICE)) {
      assertThat(alice.call("work", Integer.class, 1)).isEqualTo(2);
    }
    cluster.restartGateway(); // well within the second a running tally lives: the stopping gateway closes it
    io.easyremote.store.SqlWork<Long> runningTallies = c -> {
      try (var s = c.createStatement(); var r = s.executeQuery("SELECT COUNT(*) FROM easyremote_open_tallies")) {
        r.next();
        return r.getLong(1);
      }
    };
    assertThat(ledger().store().read(runningTallies)).as("running tallies left").isZero();
    assertThat(ledger().audit().transfers()).isEqualTo(transfers + 2);
    assertThat(statement("alice").recent().subList(0, 2)).extracting(Transfer::code, Transfer::amount)
        .containsExactlyInAnyOrder(tuple("fee", 10L), tuple("share", 90L));
  }

  @Test
  void dashboard_showsAccountsAndNodeEarnings_toAnOperatorOnly() throws Exception {
    grant("alice", 1_000);
    try (Client alice = client(ALICE)) {
      alice.call("work", Integer.class, 1);
      alice.call("work", Integer.class, 2);
    }
    await().atMost(Duration.ofSeconds(15)).untilAsserted(() -> {
      JsonNode credits = Json.mapper().readTree(http("GET", "/api/dashboard", null, OPS, null).body()).path("credits");
      JsonNode aliceRow = null;
      for (JsonNode row : credits.path("accounts")) {
        if (row.path("account").asText().equals("alice")) {
          aliceRow = row;
        }
      }
      assertThat(aliceRow).as("alice in %s", credits).isNotNull();
      assertThat(aliceRow.path("spent").asLong()).isEqualTo(2 * PRICE);
      assertThat(aliceRow.path("available").asLong()).isEqualTo(1_000 - 2 * PRICE);
      assertThat(aliceRow.path("calls24h").asLong()).isEqualTo(2);
      JsonNode node = credits.path("nodes").get(0);
      assertThat(node.path("nodeId").asText()).isEqualTo("paid");
      assertThat(node.path("owner").asText()).isEqualTo("owner");
      assertThat(node.path("earnedSinceStart").asLong()).isEqualTo(2 * 90);
    });
    assertThat(http("GET", "/api/dashboard", null, ALICE, null).statusCode()).as("a caller's key sees no dashboard").isEqualTo(403);
  }

  @Test
  void accountThatRunsOut_isRefusedWithInsufficientCredits_beforeTheNodeRunsTheCall() throws Exception {
    grant("alice", 150);
    int before = runs.get();
    try (Client alice = client(ALICE)) {
      assertThat(alice.call("work", Integer.class, 1)).isEqualTo(2);
      await().atMost(Duration.ofSeconds(10)).until(() -> statement("alice").spent() == PRICE);
      assertThatThrownBy(() -> alice.call("work", Integer.class, 2))
          .isInstanceOfSatisfying(RemoteException.class, e -> {
            assertThat(e.code()).isEqualTo(ErrorCode.INSUFFICIENT_CREDITS);
            assertThat(e.reachedNode()).isFalse();
          });
    }
    assertThat(runs.get()).isEqualTo(before + 1);
    HttpResponse<String> overHttp = http("POST", "/api/work", "[3]", ALICE, null);
    assertThat(overHttp.statusCode()).isEqualTo(402);
    assertThat(overHttp.body()).contains("INSUFFICIENT_CREDITS");
    assertThat(runs.get()).isEqualTo(before + 1);
    assertThat(statement("alice").account().available()).isEqualTo(50);
  }

  @Test
  void resultWhoseChargeIsNotCommittedByTheDeadline_isWithheld_withDeadlineExceeded() throws Exception {
    grant("alice", 1_000);
    int before = runs.get();
    // Another connection holds SQLite's write lock: the gateway's ledger cannot commit the charge.
    try (java.sql.Connection lock = java.sql.DriverManager.getConnection("jdbc:sqlite:" + state.resolve(io.easyremote.store.Store.SQLITE_FILE));
        java.sql.Statement s = lock.createStatement()) {
      s.execute("BEGIN IMMEDIATE");
      long started = System.nanoTime();
      HttpResponse<String> response = http("POST", "/api/work?timeout=1s", "[21]", ALICE, null);
      long tookMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started);
      assertThat(response.statusCode()).as(response.body()).isEqualTo(504);
      assertThat(response.body()).contains("DEADLINE_EXCEEDED").contains("withheld").doesNotContain("42");
      JsonNode error = Json.mapper().readTree(response.body());
      assertThat(error.path("reachedNode").asBoolean()).as("it ran: no client may retry it as if it had not").isTrue();
      assertThat(error.path("nodeId").asText()).isEqualTo("paid");
      assertThat(tookMillis).as("answered at the deadline, not when the lock went").isLessThan(4_000);
      assertThat(runs.get()).as("the node ran it").isEqualTo(before + 1);
      s.execute("ROLLBACK");
    }
    // Committed once the lock is gone: a withheld result that reached a node is still charged (docs/credits.md).
    await().atMost(Duration.ofSeconds(10)).until(() -> statement("alice").spent() == PRICE);
  }

  @Test
  void idempotentReplay_withTheSameKey_chargesOnce() throws Exception {
    grant("alice", 1_000);
    int before = runs.get();
    HttpResponse<String> first = http("POST", "/api/once", "[1]", ALICE, "order-7");
    HttpResponse<String> replay = http("POST", "/api/once", "[1]", ALICE, "order-7");
    assertThat(first.body()).isEqualTo("2");
    assertThat(replay.body()).isEqualTo("2");
    assertThat(runs.get()).isEqualTo(before + 1);
    await().atMost(Duration.ofSeconds(10)).until(() -> statement("owner").earned() == 90);
    await().during(Duration.ofMillis(300)).atMost(Duration.ofSeconds(2)).until(() -> statement("alice").spent() == PRICE);
    // Metered once too: the replay ran nowhere (the sums are written within a second: watch past one).
    await().atMost(Duration.ofSeconds(10)).until(() -> meteredCalls("once") == 1);
    await().during(Duration.ofMillis(1_500)).atMost(Duration.ofSeconds(4)).until(() -> meteredCalls("once") == 1);
  }

  /** Calls of {@code function} in alice's usage, as {@code GET /api/usage?by=function} reports them. */
  private long meteredCalls(String function) throws Exception {
    for (JsonNode row : Json.mapper().readTree(http("GET", "/api/usage?by=function", null, ALICE, null).body()).path("usage")) {
      if (row.path("key").asText().equals(function)) {
        return row.path("calls").asLong();
      }
    }
    return 0;
  }

  @Test
  void paidStream_cancelledAfterItsItemsArrived_paysThePerCallPrice() throws Exception {
    grant("alice", 1_000);
    gate = new CountDownLatch(1);
    try (Client alice = client(ALICE); ResultStream<Integer> items = alice.stream("items", Integer.class, 20)) {
      Iterator<Integer> it = items.iterator();
      for (int i = 0; i < 20; i++) {
        assertThat(it.next()).isEqualTo(i);
      }
    } finally { // closed before its end: cancelled, every item delivered
      gate.countDown();
    }
    await().atMost(Duration.ofSeconds(10)).until(() -> statement("alice").spent() == PRICE);
  }

  @Test
  void callThatNeverReachesANode_isVoided() throws Exception {
    grant("alice", 1_000);
    gate = new CountDownLatch(1);
    int before = runs.get();
    try (Client alice = client(ALICE)) {
      CompletableFuture<Integer> running = alice.callAsync("hold", Integer.class, 1);
      await().atMost(Duration.ofSeconds(5)).until(() -> runs.get() == before + 1); // it runs and holds the node's one slot
      try (Client hurried = Client.builder().gateway(cluster.address()).apiKey(ALICE).deadline(Duration.ofMillis(300)).build()) {
        assertThatThrownBy(() -> hurried.call("hold", Integer.class, 2))
            .isInstanceOfSatisfying(RemoteException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.DEADLINE_EXCEEDED));
      }
      await().atMost(Duration.ofSeconds(5)).until(() -> statement("alice").account().reserved() == PRICE); // the queued one's is voided
      gate.countDown();
      assertThat(running.get(10, TimeUnit.SECONDS)).isEqualTo(1);
    }
    assertThat(runs.get()).isEqualTo(before + 1);
    await().atMost(Duration.ofSeconds(10)).until(() -> statement("alice").spent() == PRICE);
    assertThat(statement("alice").account().available()).isEqualTo(900);
  }

  @Test
  void freeFunction_withCreditsOn_neverTouchesTheLedger() throws Exception {
    long transfers = ledger().audit().transfers();
    try (Client bob = client(BOB)) {
      assertThat(bob.call("free", Integer.class, 5)).isEqualTo(5);
    }
    assertThat(ledger().audit().transfers()).isEqualTo(transfers);
  }

  @Test
  void attacker_withoutAKeyOrWithAnotherCallersKey_cannotSeeSpendOrGrant() throws Exception {
    grant("alice", 1_000);
    assertThat(http("GET", "/api/account", null, null, null).statusCode()).isEqualTo(401);
    assertThat(http("GET", "/api/account?account=alice", null, BOB, null).statusCode()).isEqualTo(403);
    assertThat(http("GET", "/api/usage?account=alice", null, BOB, null).statusCode()).isEqualTo(403);
    assertThat(http("POST", "/api/admin/grant", "{\"account\":\"bob\",\"amount\":1000}", BOB, null).statusCode()).isEqualTo(403);
    assertThat(http("POST", "/api/admin/grant", "{\"account\":\"bob\",\"amount\":1000}", null, null).statusCode()).isEqualTo(401);
    assertThat(http("POST", "/api/admin/grant", "{\"account\":\"bob\",\"amount\":1000}", "er_forged-key-000000000000000000", null)
        .statusCode()).isEqualTo(401);
    try (Client bob = client(BOB)) { // bob has nothing: his calls do not spend alice's credits
      assertThatThrownBy(() -> bob.call("work", Integer.class, 1))
          .isInstanceOfSatisfying(RemoteException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.INSUFFICIENT_CREDITS));
    }
    assertThat(statement("alice").account().available()).isEqualTo(1_000);
    assertThat(statement("bob").account().available()).isZero();
    assertThat(http("GET", "/api/account?account=alice", null, OPS, null).statusCode()).isEqualTo(200);
  }

  @Test
  void grant_withBadAmountsOrAnUnknownAccount_isANamedError_andWritesNothing() throws Exception {
    long transfers = ledger().audit().transfers();
    assertThat(http("POST", "/api/admin/grant", "{\"account\":\"alice\",\"amount\":-5}", OPS, null).body()).contains("INVALID_AMOUNT");
    assertThat(http("POST", "/api/admin/grant", "{\"account\":\"alice\",\"amount\":1.5}", OPS, null).body()).contains("INVALID_AMOUNT");
    assertThat(http("POST", "/api/admin/grant", "{\"account\":\"alice\",\"amount\":92233720368547758070}", OPS, null).body())
        .contains("OVERFLOW");
    HttpResponse<String> unknown = http("POST", "/api/admin/grant", "{\"account\":\"nobody\",\"amount\":5}", OPS, null);
    assertThat(unknown.statusCode()).isEqualTo(404);
    assertThat(unknown.body()).contains("UNKNOWN_ACCOUNT");
    grant("alice", Long.MAX_VALUE);
    assertThat(http("POST", "/api/admin/grant", "{\"account\":\"alice\",\"amount\":1}", OPS, null).body()).contains("OVERFLOW");
    assertThat(ledger().audit().transfers()).isEqualTo(transfers + 1);
  }
}
