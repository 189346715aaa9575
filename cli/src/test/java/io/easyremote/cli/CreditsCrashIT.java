package io.easyremote.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.easyremote.client.Client;
import io.easyremote.gateway.Access;
import io.easyremote.node.ComputeNode;
import io.easyremote.protocol.Remote;
import io.easyremote.protocol.RemoteException;
import io.easyremote.store.Ledger;
import io.easyremote.store.Store;
import io.easyremote.testing.PostgresServer;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.ResultSet;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 18's crash test: 16 callers, each with its own key and account, make paid calls over 4
 * nodes of one owner through a gateway running as its own JVM, which is killed with SIGKILL
 * mid-load and restarted on the same state. Afterwards: conservation holds ({@link Ledger#audit()}),
 * no reservation is left open (the restart voided those the first run had written), every settled call was
 * charged exactly its price once, and each account was charged for at least the calls its caller
 * saw succeed and at most those plus the failed calls that may have reached a node (each caller
 * has one call in flight, so the counts pin the charges down). Once on SQLite, once on a real
 * PostgreSQL. The tallies are printed.
 */
@Tag("soak")
class CreditsCrashIT {
  private static final int CALLERS = 16;
  private static final int NODES = 4;
  private static final long PRICE = 100;
  private static final int FEE_BASIS_POINTS = 500;
  private static final long GRANT = 100_000_000;
  private static final String FARM = "er_node-token-crash-farm-0123456789abc";
  private static final String OPS = "er_ops-key-crash-0123456789abcdefghijk";

  /** The gateway's config file and SQLite state; deleted once the test has stopped the gateway. */
  @TempDir
  Path dir;

  /**
   * The paid function: a little simulated work, so that the kill finds calls running. One call in
   * ten runs 1 s, well past the 100 ms after which the gateway writes a running call's reservation
   * on its own (shorter calls are reserved and settled in one request when they complete) even when
   * a loaded machine makes the ledger slow to commit, so the kill leaves reservations for the
   * restart to void.
   */
  public static final class Work {
    final AtomicInteger runs = new AtomicInteger();

    @Remote
    public int work(int i) throws InterruptedException {
      runs.incrementAndGet();
      ThreadLocalRandom random = ThreadLocalRandom.current();
      Thread.sleep(random.nextInt(10) == 0 ? 1_000 : random.nextInt(2, 15)); // simulated work
      return i;
    }
  }

  @Test
  @Timeout(300)
  void killNine_onSqlite_conservationHolds_everySuccessChargedOnce() throws Exception {
    Path state = dir.resolve("sqlite");
    crashAndRecover("SQLite", () -> Store.sqlite(state), "--state", state.toString());
  }

  /** {@code --state-sync normal}: commits are not flushed to disk, yet a crash of the process loses none of them. */
  @Test
  @Timeout(300)
  void killNine_onSqliteSyncNormal_conservationHolds_everySuccessChargedOnce() throws Exception {
    Path state = dir.resolve("sqlite-normal");
    crashAndRecover("SQLite, sync normal", () -> Store.sqlite(state), "--state", state.toString(), "--state-sync", "normal");
  }

  @Test
  @Timeout(300)
  void killNine_onPostgres_conservationHolds_everySuccessChargedOnce() throws Exception {
    try (PostgresServer pg = PostgresServer.start()) {
      crashAndRecover("PostgreSQL", () -> Store.postgres(pg.jdbcUrl(), pg.user(), pg.password()), "--state-url",
          pg.jdbcUrlWithCredentials());
    }
  }

  private static String callerKey(int c) {
    return "er_crash-caller-" + c + "-key-0123456789abcdefghij";
  }

  private void crashAndRecover(String database, java.util.function.Supplier<Store> openStore, String... stateArgs) throws Exception {
    Path config = dir.resolve("gateway.yaml");
    StringBuilder yaml = new StringBuilder("nodeTokens:\n  - {name: farm, hash: \"" + Access.hash(FARM)
        + "\", functions: [\"*\"], nodeIds: [\"*\"], account: farm}\nclientKeys:\n");
    for (int c = 0; c < CALLERS; c++) {
      yaml.append("  - {name: caller-").append(c).append(", hash: \"").append(Access.hash(callerKey(c))).append("\", functions: [\"*\"]}\n");
    }
    yaml.append("  - {name: ops, hash: \"").append(Access.hash(OPS)).append("\", functions: [], scopes: [admin]}\n");
    Files.writeString(config, yaml);
    int port = freePort();
    List<String> args = new ArrayList<>(List.of("gateway", "--port", String.valueOf(port), "--config", config.toString(),
        "--credits-operator", "operator", "--credits-fee-bp", String.valueOf(FEE_BASIS_POINTS), "--gateway-id", "gw1"));
    args.addAll(List.of(stateArgs));
    Path log1 = Jvm.log("CreditsCrashIT-gateway");
    Process first = Jvm.start(log1, args.toArray(String[]::new));
    Process second = null;
    String address = Jvm.awaitListening(first, log1, Duration.ofSeconds(90));
    Work work = new Work();
    List<ComputeNode> nodes = new ArrayList<>();
    List<Client> clients = new ArrayList<>();
    List<Thread> callers = new ArrayList<>();
    AtomicBoolean stop = new AtomicBoolean();
    AtomicInteger sent = new AtomicInteger();
    int[] succeeded = new int[CALLERS];
    int[] failed = new int[CALLERS];
    int[] mayHaveRun = new int[CALLERS]; // failures that may have reached a node (reachedNode): they may be charged
    Map<String, AtomicInteger> failures = new ConcurrentHashMap<>();
    try {
      for (int n = 0; n < NODES; n++) {
        nodes.add(ComputeNode.builder().gateway(address).id("farm-" + n).token(FARM).register(work).price("work", PRICE, 0)
            .maxConcurrency(8).reconnectBackoff(Duration.ofMillis(50), Duration.ofMillis(500)).build().start());
      }
      for (int c = 0; c < CALLERS; c++) {
        grant(address, "caller-" + c);
      }
      for (int c = 0; c < CALLERS; c++) {
        Client client = Client.builder().gateway(address).apiKey(callerKey(c)).deadline(Duration.ofSeconds(3)).build();
        clients.add(client);
        int caller = c;
        Thread t = new Thread(() -> {
          for (int i = 0; !stop.get(); i++) {
            sent.incrementAndGet();
            try {
              client.call("work", Integer.class, i);
              synchronized (succeeded) {
                succeeded[caller]++;
              }
            } catch (RemoteException e) {
              synchronized (succeeded) {
                failed[caller]++;
                mayHaveRun[caller] += e.reachedNode() ? 1 : 0;
              }
              failures.computeIfAbsent(e.code().name(), k -> new AtomicInteger()).incrementAndGet();
              backOff();
            }
          }
        }, "crash-caller-" + c);
        callers.add(t);
        t.start();
      }
      Function<Void, Integer> total = v -> {
        synchronized (succeeded) {
          int sum = 0;
          for (int s : succeeded) {
            sum += s;
          }
          return sum;
        }
      };
      Awaitility.await("paid calls before the kill").atMost(Duration.ofSeconds(90)).until(() -> total.apply(null) >= 500);
      first.destroyForcibly(); // SIGKILL mid-load
      assertThat(first.waitFor(10, TimeUnit.SECONDS)).isTrue();
      int beforeKill = total.apply(null);
      int sentBeforeKill = sent.get();

      Path log2 = Jvm.log("CreditsCrashIT-gateway-restarted");
      second = Jvm.start(log2, args.toArray(String[]::new));
      Jvm.awaitListening(second, log2, Duration.ofSeconds(90));
      Awaitility.await("paid calls after the restart").atMost(Duration.ofSeconds(120)).until(() -> total.apply(null) >= beforeKill + 500);
      stop.set(true);
      for (Thread t : callers) {
        t.join(30_000);
      }
      Jvm.stop(second); // graceful: settles what is in flight, then closes the store
      String restartLog = Files.readString(log2);
      second = null;

      try (Store store = openStore.get()) {
        Ledger ledger = new Ledger(store);
        Ledger.Audit audit = ledger.audit();
        io.easyremote.store.SqlWork<Map<String, Long>> byKind = c -> {
          Map<String, Long> m = new TreeMap<>();
          try (ResultSet rs = c.createStatement().executeQuery(
              "SELECT kind, code, COUNT(*) FROM easyremote_transfers GROUP BY kind, code")) {
            while (rs.next()) {
              m.put(rs.getString(1) + "/" + rs.getString(2), rs.getLong(3));
            }
          }
          return m;
        };
        Map<String, Long> counts = store.read(byKind);
        // A settled call is a POST of its reservation (a call that ran past 100 ms was reserved first), its part of its batch's
        // tallied transfers or running tallies (Ledger.tallyCall: a shorter call, reserved in memory only; the share and the fee
        // add up to the price), or a row of its own in easyremote_call_charges (Ledger.chargeCall: a call admitted before any
        // node offered the function).
        long[] postCount = new long[1];
        io.easyremote.store.SqlWork<Map<String, Long>> byCaller = c -> {
          Map<String, Long> m = new TreeMap<>();
          try (ResultSet rs = c.createStatement().executeQuery("SELECT debit_account, 'POST', COUNT(*), SUM(amount) FROM easyremote_transfers "
              + "WHERE kind = 'POST' GROUP BY debit_account UNION ALL SELECT debit_account, 'tally', SUM(amount) / " + PRICE + ", SUM(amount) "
              + "FROM (SELECT debit_account, amount FROM easyremote_transfers WHERE id LIKE 'tally:%' UNION ALL SELECT debit_account, amount "
              + "FROM easyremote_open_tallies) tallied GROUP BY debit_account UNION ALL SELECT caller_account, 'row', COUNT(*), "
              + "SUM(charge) FROM easyremote_call_charges GROUP BY caller_account")) {
            while (rs.next()) {
              boolean post = rs.getString(2).equals("POST");
              m.merge(rs.getString(1), rs.getLong(3), Long::sum);
              postCount[0] += post ? rs.getLong(3) : 0;
              assertThat(rs.getLong(4)).as("every settled call of %s charged exactly its price (%s)", rs.getString(1), rs.getString(2))
                  .isEqualTo(rs.getLong(3) * PRICE);
            }
          }
          return m;
        };
        Map<String, Long> postsByCaller = store.read(byCaller);
        long settled = postsByCaller.values().stream().mapToLong(Long::longValue).sum();
        int totalSucceeded = total.apply(null);
        int totalFailed = 0;
        int totalMayHaveRun = 0;
        List<String> wrong = new ArrayList<>();
        StringBuilder balances = new StringBuilder();
        for (int c = 0; c < CALLERS; c++) {
          String account = "caller-" + c;
          long posts = postsByCaller.getOrDefault(account, 0L);
          Ledger.Statement s = ledger.statement(account, 1).orElseThrow();
          totalFailed += failed[c];
          totalMayHaveRun += mayHaveRun[c];
          if (posts < succeeded[c] || posts > succeeded[c] + mayHaveRun[c] || s.spent() != posts * PRICE) {
            wrong.add(account + ": " + succeeded[c] + " succeeded, " + mayHaveRun[c] + " failed after reaching a node, " + posts
                + " settled, spent " + s.spent());
          }
          balances.append(account).append('=').append(s.account().available()).append(c % 4 == 3 ? "\n    " : "  ");
        }
        long farm = ledger.statement("farm", 1).orElseThrow().account().available();
        long operator = ledger.statement("operator", 1).orElseThrow().account().available();
        List<io.easyremote.store.Transfer> open = ledger.openPendings(null, Instant.now().plusSeconds(60), 10);
        System.out.printf("Credits crash test on %s: %d callers, %d nodes; calls sent %d (%d before the kill -9), succeeded %d (%d before "
                + "the kill), failed %d %s (%d of them after reaching a node); node executions %d; ledger: %d settled (%d of them POST), %d voided (VOID), %d reservations, "
                + "%d open after restart; restart log: %s%n  minted %d, held %d, reserved %d, problems %s%n  farm earned %d, operator %d "
                + "(fee %d bp), callers' balances:%n    %s%n  transfers by kind/code: %s%n  accounts charged otherwise than their callers saw: %s%n",
            database, CALLERS, NODES, sent.get(), sentBeforeKill, totalSucceeded, beforeKill, totalFailed, failures, totalMayHaveRun, work.runs.get(),
            settled, postCount[0], counts.getOrDefault("VOID/call", 0L), counts.getOrDefault("PENDING/call", 0L), open.size(),
            restartLog.lines().filter(l -> l.contains("Voided")).findFirst().orElse("(no voids logged)"), audit.minted(), audit.held(),
            audit.reserved(), audit.problems(), farm, operator, FEE_BASIS_POINTS, balances.toString().trim(), counts, wrong);
        assertThat(audit.problems()).as("audit").isEmpty();
        assertThat(audit.held()).as("conservation").isEqualTo(audit.minted()).isEqualTo(GRANT * CALLERS);
        assertThat(audit.reserved()).isZero();
        assertThat(open).as("dangling reservations").isEmpty();
        assertThat(wrong).as("accounts charged otherwise than their callers saw").isEmpty();
        assertThat(settled).isGreaterThanOrEqualTo(totalSucceeded);
        assertThat(counts.getOrDefault("PENDING/call", 0L)).as("every reservation posted or voided")
            .isEqualTo(postCount[0] + counts.getOrDefault("VOID/call", 0L));
        assertThat(farm + operator).isEqualTo(settled * PRICE);
        assertThat(restartLog).as("the restart voided what the kill left reserved").contains("Voided");
      }
    } finally {
      stop.set(true);
      for (Client c : clients) {
        c.close();
      }
      for (ComputeNode n : nodes) {
        n.close();
      }
      first.destroyForcibly().waitFor(10, TimeUnit.SECONDS); // gone before JUnit deletes its state directory
      if (second != null) {
        Jvm.stop(second);
      }
    }
  }

  /** A caller's backoff after a failure (the gateway is down): 20 ms; parkNanos may return early, so park until then. */
  private static void backOff() {
    long end = System.nanoTime() + 20_000_000;
    for (long left = end - System.nanoTime(); left > 0; left = end - System.nanoTime()) {
      java.util.concurrent.locks.LockSupport.parkNanos(left);
    }
  }

  private static void grant(String address, String account) throws Exception {
    HttpRequest request = HttpRequest.newBuilder(URI.create("http://" + address + "/api/admin/grant")).timeout(Duration.ofSeconds(30))
        .header("Content-Type", "application/json").header("Authorization", "Bearer " + OPS)
        .POST(HttpRequest.BodyPublishers.ofString("{\"account\":\"" + account + "\",\"amount\":" + GRANT + ",\"id\":\"grant-" + account + "\"}"))
        .build();
    HttpResponse<String> response = HttpClient.newHttpClient().send(request, HttpResponse.BodyHandlers.ofString());
    assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
  }

  private static int freePort() throws Exception {
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return s.getLocalPort();
    }
  }
}
