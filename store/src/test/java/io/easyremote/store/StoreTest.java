package io.easyremote.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** The store and its job table on a real SQLite file and a real PostgreSQL server, never mocked. */
class StoreTest extends OnBothDatabases {
  private static final JobTable jobs = new JobTable();

  private static String id(String prefix) {
    return prefix + "-" + java.util.UUID.randomUUID();
  }

  private static java.util.Optional<JobRow> find(Store store, String id) {
    return store.read(c -> jobs.find(c, id));
  }

  private static boolean did(Store store, SqlWork<Boolean> work) {
    return store.writeNow(work);
  }

  private static int count(Store store, SqlWork<Integer> work) {
    return store.writeNow(work);
  }

  private static List<JobRow> unfinished(Store store, String gateway) {
    return store.read(c -> jobs.unfinished(c, gateway));
  }

  private static JobRow job(String id, String gateway) {
    return JobRow.queued(id, "alice", gateway, "add", "[1,2]".getBytes(StandardCharsets.UTF_8), 30_000, System.currentTimeMillis());
  }

  @ParameterizedTest
  @MethodSource("dialects")
  void jobRow_lifecycle_roundTripsEveryColumn(Dialect dialect) {
    try (Store store = open(dialect)) {
      assertThat(store.dialect()).isEqualTo(dialect);
      String id = id("life");
      store.writeNow(c -> { jobs.insert(c, job(id, "gw")); return null; });
      JobRow queued = find(store, id).orElseThrow();
      assertThat(queued.state()).isEqualTo(JobRow.State.QUEUED);
      assertThat(new String(queued.request(), StandardCharsets.UTF_8)).isEqualTo("[1,2]");
      assertThat(queued.owner()).isEqualTo("alice");

      assertThat(did(store, c -> jobs.start(c, id, true, 1000))).isTrue();
      JobRow running = find(store, id).orElseThrow();
      assertThat(running.state()).isEqualTo(JobRow.State.RUNNING);
      assertThat(running.idempotent()).isTrue();
      assertThat(running.attempts()).isEqualTo(1);

      byte[] result = {0, 1, 2, (byte) 255};
      assertThat(did(store, c -> jobs.finish(c, id, JobRow.State.SUCCEEDED, "node-1", result, true, null, null, 2000, 9000)))
          .isTrue();
      JobRow done = find(store, id).orElseThrow();
      assertThat(done.state()).isEqualTo(JobRow.State.SUCCEEDED);
      assertThat(done.result()).containsExactly(result);
      assertThat(done.resultBinary()).isTrue();
      assertThat(done.nodeId()).isEqualTo("node-1");
      assertThat(done.request()).as("the request is dropped once finished").isNull();
      assertThat(done.finishedAt()).isEqualTo(2000);
      assertThat(done.expiresAt()).isEqualTo(9000);
    }
  }

  @ParameterizedTest
  @MethodSource("dialects")
  void finish_twice_onlyTheFirstOutcomeWins(Dialect dialect) {
    try (Store store = open(dialect)) {
      String id = id("race");
      store.writeNow(c -> { jobs.insert(c, job(id, "gw")); return null; });
      assertThat(did(store, c -> jobs.finish(c, id, JobRow.State.CANCELLED, null, null, false, "CANCELLED", new byte[] {1}, 5, 6)))
          .isTrue();
      assertThat(did(store, c -> jobs.finish(c, id, JobRow.State.SUCCEEDED, "n", new byte[] {9}, false, null, null, 7, 8)))
          .isFalse();
      assertThat(did(store, c -> jobs.start(c, id, false, 9))).as("a cancelled job never starts").isFalse();
      JobRow row = find(store, id).orElseThrow();
      assertThat(row.state()).isEqualTo(JobRow.State.CANCELLED);
      assertThat(row.errorCode()).isEqualTo("CANCELLED");
      assertThat(row.result()).isNull();
    }
  }

  @ParameterizedTest
  @MethodSource("dialects")
  void unfinished_listsQueuedAndRunningOfThisGatewayOnly(Dialect dialect) {
    String gateway = id("gw");
    try (Store store = open(dialect)) {
      String queued = id("q");
      String running = id("r");
      String done = id("d");
      String other = id("o");
      store.writeNow(c -> {
        jobs.insert(c, job(queued, gateway));
        jobs.insert(c, job(running, gateway));
        jobs.insert(c, job(done, gateway));
        jobs.insert(c, job(other, "another-gateway"));
        jobs.start(c, running, false, 1);
        jobs.finish(c, done, JobRow.State.FAILED, null, null, false, "NODE_LOST", null, 1, 2);
        return null;
      });
      assertThat(unfinished(store, gateway)).extracting(JobRow::id).containsExactlyInAnyOrder(queued, running);
    }
  }

  @ParameterizedTest
  @MethodSource("dialects")
  void expire_dropsResultsPastTheirTime_andPurgeDeletesThemLater(Dialect dialect) {
    try (Store store = open(dialect)) {
      String old = id("old");
      String fresh = id("fresh");
      long now = 1_000_000;
      store.writeNow(c -> {
        jobs.insert(c, job(old, "gw"));
        jobs.insert(c, job(fresh, "gw"));
        jobs.finish(c, old, JobRow.State.SUCCEEDED, "n", new byte[] {1}, false, null, null, now - 10, now - 1);
        jobs.finish(c, fresh, JobRow.State.SUCCEEDED, "n", new byte[] {2}, false, null, null, now - 10, now + 1_000);
        return null;
      });
      assertThat(count(store, c -> jobs.expire(c, now))).isGreaterThanOrEqualTo(1);
      JobRow expired = find(store, old).orElseThrow();
      assertThat(expired.state()).isEqualTo(JobRow.State.EXPIRED);
      assertThat(expired.result()).isNull();
      assertThat(find(store, fresh).orElseThrow().state()).isEqualTo(JobRow.State.SUCCEEDED);
      store.writeNow(c -> jobs.purge(c, now));
      assertThat(find(store, old)).isEmpty();
      assertThat(find(store, fresh)).isPresent();
    }
  }

  @ParameterizedTest
  @MethodSource("dialects")
  void write_manyConcurrentWrites_allCommit_andABadOneFailsAlone(Dialect dialect) {
    try (Store store = open(dialect)) {
      String duplicate = id("dup");
      store.writeNow(c -> { jobs.insert(c, job(duplicate, "gw")); return null; });
      List<CompletableFuture<Void>> writes = new ArrayList<>();
      List<String> ids = new ArrayList<>();
      for (int i = 0; i < 500; i++) {
        String id = id("many");
        ids.add(id);
        writes.add(store.write(c -> { jobs.insert(c, job(id, "gw")); return null; }));
        if (i == 250) {
          writes.add(store.write(c -> { jobs.insert(c, job(duplicate, "gw")); return null; }));
        }
      }
      CompletableFuture<Void> bad = writes.remove(251);
      CompletableFuture.allOf(writes.toArray(CompletableFuture[]::new)).join();
      assertThatThrownBy(bad::join).isInstanceOf(CompletionException.class).hasCauseInstanceOf(StoreException.class);
      for (String id : ids) {
        assertThat(find(store, id)).as(id).isPresent();
      }
    }
  }

  @Test
  void sqlite_writeThatReadsFirst_whileAnotherConnectionHoldsTheWriteLock_waitsForIt() throws Exception {
    String id = id("waits");
    try (Store store = Store.sqlite(stateDir);
        java.sql.Connection other = java.sql.DriverManager.getConnection("jdbc:sqlite:" + stateDir.resolve(Store.SQLITE_FILE));
        java.sql.Statement lock = other.createStatement()) {
      lock.execute("BEGIN IMMEDIATE");
      CompletableFuture<Void> write = store.write(c -> {
        jobs.find(c, id); // a read first: a deferred transaction would then be refused at once, not wait
        jobs.insert(c, job(id, "gw"));
        return null;
      });
      org.awaitility.Awaitility.await().during(java.time.Duration.ofMillis(300)).atMost(java.time.Duration.ofSeconds(2))
          .until(() -> !write.isDone());
      lock.execute("ROLLBACK");
      write.get(10, java.util.concurrent.TimeUnit.SECONDS);
      assertThat(find(store, id)).isPresent();
    }
  }

  @Test
  void sqlite_reopened_keepsWhatWasCommitted_andMigratesOnce() {
    String id = id("durable");
    try (Store store = Store.sqlite(stateDir)) {
      store.writeNow(c -> { jobs.insert(c, job(id, "gw")); return null; });
    }
    try (Store store = Store.sqlite(stateDir)) {
      assertThat(find(store, id)).isPresent();
      String mode = store.read(c -> {
        try (var s = c.createStatement(); var r = s.executeQuery("PRAGMA journal_mode")) {
          r.next();
          return r.getString(1);
        }
      });
      assertThat(mode).isEqualToIgnoringCase("wal");
      Map<JobRow.State, Long> counts = store.read(jobs::countByState);
      assertThat(counts.get(JobRow.State.QUEUED)).isPositive();
    }
  }

  @Test
  void postgres_unreachable_failsWithTheUrlAndNoPassword() throws Exception {
    int port;
    try (java.net.ServerSocket s = new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
      port = s.getLocalPort();
    }
    String url = "jdbc:postgresql://127.0.0.1:" + port + "/x?password=secret123&connectTimeout=2";
    assertThatThrownBy(() -> Store.postgres(url, "u", null))
        .isInstanceOf(StoreException.class)
        .hasMessageContaining("Cannot open PostgreSQL jdbc:postgresql://127.0.0.1:" + port)
        .hasMessageNotContaining("secret123");
    assertThatThrownBy(() -> Store.postgres("jdbc:mysql://h/db", null, null))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("PostgreSQL JDBC URL");
  }

  @ParameterizedTest
  @MethodSource("dialects")
  void syncMode_eachMode_reachesTheWriterAndTheReaders(Dialect dialect) {
    for (SyncMode sync : SyncMode.values()) {
      try (Store store = dialect == Dialect.SQLITE ? Store.sqlite(stateDir, sync) : postgres.open(sync)) {
        assertThat(store.sync()).isEqualTo(sync);
        SqlWork<String> setting = c -> {
          String query = dialect == Dialect.SQLITE ? "PRAGMA synchronous" : "SHOW synchronous_commit";
          try (var s = c.createStatement(); var r = s.executeQuery(query)) {
            r.next();
            return r.getString(1);
          }
        };
        // SQLite: 2 = FULL, 1 = NORMAL; PostgreSQL: synchronous_commit on (the server's default) or off.
        String expected = dialect == Dialect.SQLITE ? (sync == SyncMode.FULL ? "2" : "1") : (sync == SyncMode.FULL ? "on" : "off");
        assertThat(store.writeNow(setting)).as("%s %s, the writer's connection", dialect, sync).isEqualTo(expected);
        assertThat(store.read(setting)).as("%s %s, a reader's connection", dialect, sync).isEqualTo(expected);
        store.writeNow(c -> { jobs.insert(c, job(id("sync"), "gw")); return null; });
        assertThat(store.writerStats().batches()).isPositive();
        assertThat(store.writerStats().writes()).isGreaterThanOrEqualTo(store.writerStats().batches());
      }
    }
  }

  @Test
  void syncMode_parse_acceptsFullAndNormal_refusesOthers() {
    assertThat(SyncMode.parse("full")).isEqualTo(SyncMode.FULL);
    assertThat(SyncMode.parse("NORMAL")).isEqualTo(SyncMode.NORMAL);
    assertThatThrownBy(() -> SyncMode.parse("off")).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("'full' or 'normal'");
  }

  @Test
  void write_afterClose_failsWithStoreException() {
    Store store = Store.sqlite(stateDir);
    store.close();
    assertThatThrownBy(() -> store.writeNow(c -> null)).isInstanceOf(StoreException.class).hasMessageContaining("closed");
  }
}
