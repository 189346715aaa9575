package io.easyremote.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** Metering on a real SQLite file and a real PostgreSQL server. */
class UsageTableTest extends OnBothDatabases {

  @ParameterizedTest
  @MethodSource("dialects")
  void summary_sumsPerAccountAndFunction_insideTheWindowOnly(Dialect dialect) {
    String run = UUID.randomUUID().toString().substring(0, 8);
    String alice = "alice-" + run;
    String bob = "bob-" + run;
    String owner = "owner-" + run;
    String add = "add-" + run;
    String render = "render-" + run;
    long t0 = 1_900_000_000_000L;
    try (Store store = open(dialect)) {
      UsageTable usage = new UsageTable(store);
      List<CompletableFuture<Void>> writes = new ArrayList<>();
      writes.add(usage.record(new UsageRecord(alice, owner, add, "n1", 5, 10, 4, "ok", t0)));
      writes.add(usage.record(new UsageRecord(alice, owner, add, "n2", 7, 12, 4, "ok", t0 + 1_000)));
      writes.add(usage.record(new UsageRecord(alice, owner, render, "n1", 2_000, 100, 1 << 20, "function_failed", t0 + 2_000)));
      writes.add(usage.record(new UsageRecord(bob, owner, render, "n1", 1_500, 80, 1 << 20, "ok", t0 + 3_000)));
      writes.add(usage.record(new UsageRecord(bob, owner, add, "n2", 1, 10, 4, "ok", t0 + 60_000))); // outside the window
      CompletableFuture.allOf(writes.toArray(CompletableFuture[]::new)).join();

      Instant from = Instant.ofEpochMilli(t0);
      Instant to = Instant.ofEpochMilli(t0 + 10_000);
      assertThat(usage.summary(UsageTable.By.CALLER, owner, from, to)).containsExactly(
          new UsageTable.Summary(alice, 3, 1, 2_012, 122, 8 + (1 << 20)),
          new UsageTable.Summary(bob, 1, 0, 1_500, 80, 1 << 20));
      assertThat(usage.summary(UsageTable.By.FUNCTION, alice, from, to)).containsExactly(
          new UsageTable.Summary(add, 2, 0, 12, 22, 8),
          new UsageTable.Summary(render, 1, 1, 2_000, 100, 1 << 20));
      assertThat(usage.summary(UsageTable.By.NODE_ACCOUNT, bob, from, Instant.ofEpochMilli(t0 + 60_001)))
          .containsExactly(new UsageTable.Summary(owner, 2, 0, 1_501, 90, 4 + (1 << 20)));
      assertThat(usage.summary(UsageTable.By.NODE, owner, from, to)).extracting(UsageTable.Summary::key, UsageTable.Summary::calls)
          .containsExactly(org.assertj.core.groups.Tuple.tuple("n1", 3L), org.assertj.core.groups.Tuple.tuple("n2", 1L));
      assertThat(usage.summary(UsageTable.By.CALLER, "nobody-" + run, from, to)).isEmpty();
    }
    try (Store reopened = open(dialect)) {
      assertThat(new UsageTable(reopened).summary(UsageTable.By.CALLER, alice, Instant.ofEpochMilli(t0), Instant.ofEpochMilli(t0 + 10_000)))
          .as("kept across a restart").singleElement().extracting(UsageTable.Summary::calls).isEqualTo(3L);
    }
  }

  @ParameterizedTest
  @MethodSource("dialects")
  void add_fromManyThreadsWhileWritesRun_losesAndDoublesNothing(Dialect dialect) throws Exception {
    String run = UUID.randomUUID().toString().substring(0, 8);
    long t0 = 1_900_000_000_000L;
    int threads = 8;
    int each = 2_000;
    try (Store store = open(dialect)) {
      UsageTable usage = new UsageTable(store);
      java.util.concurrent.CyclicBarrier start = new java.util.concurrent.CyclicBarrier(threads);
      List<Thread> adders = new ArrayList<>();
      for (int t = 0; t < threads; t++) {
        String caller = "caller-" + (t % 2) + "-" + run; // two groups, each added to by four threads at once
        Thread thread = new Thread(() -> {
          try {
            start.await();
          } catch (Exception e) {
            throw new IllegalStateException(e);
          }
          for (int i = 0; i < each; i++) {
            usage.add(new UsageRecord(caller, "owner-" + run, "f", "n1", 1, 2, 3, "ok", t0 + i % 1_000));
          }
        });
        thread.start();
        adders.add(thread);
      }
      for (Thread thread : adders) {
        thread.join();
      }
      // The future of a record covers it, and so everything added before it.
      usage.record(new UsageRecord("caller-0-" + run, "owner-" + run, "f", "n1", 1, 2, 3, "ok", t0)).get(30, java.util.concurrent.TimeUnit.SECONDS);

      List<UsageTable.Summary> rows = usage.summary(UsageTable.By.CALLER, "owner-" + run, Instant.ofEpochMilli(t0),
          Instant.ofEpochMilli(t0 + 1_000));
      assertThat(rows).containsExactly(
          new UsageTable.Summary("caller-0-" + run, 4L * each + 1, 0, 4L * each + 1, 2 * (4L * each + 1), 3 * (4L * each + 1)),
          new UsageTable.Summary("caller-1-" + run, 4L * each, 0, 4L * each, 2 * 4L * each, 3 * 4L * each));
      assertThat(usage.recordedCalls()).isEqualTo(threads * (long) each + 1);
    }
  }

  @ParameterizedTest
  @MethodSource("dialects")
  void add_isWrittenWithinAFlushInterval_withoutBeingAskedTo(Dialect dialect) {
    String run = UUID.randomUUID().toString().substring(0, 8);
    long t0 = 1_900_000_000_000L;
    try (Store store = open(dialect)) {
      UsageTable usage = new UsageTable(store);
      long before = System.nanoTime();
      usage.add(new UsageRecord("alice-" + run, "owner-" + run, "f", "n1", 5, 6, 7, "ok", t0));
      org.awaitility.Awaitility.await().atMost(java.time.Duration.ofMillis(UsageTable.FLUSH_EVERY_MILLIS * 10))
          .pollInterval(java.time.Duration.ofMillis(20))
          .untilAsserted(() -> { // the count follows the commit that made the row visible: both are awaited
            assertThat(usage.summary(UsageTable.By.CALLER, "owner-" + run, Instant.ofEpochMilli(t0), Instant.ofEpochMilli(t0 + 1)))
                .containsExactly(new UsageTable.Summary("alice-" + run, 1, 0, 5, 6, 7));
            assertThat(usage.recordedCalls()).isEqualTo(1);
          });
      assertThat(System.nanoTime() - before).as("waited for the flush interval, not written at once or per call")
          .isGreaterThanOrEqualTo(java.util.concurrent.TimeUnit.MILLISECONDS.toNanos(UsageTable.FLUSH_EVERY_MILLIS) / 2);
    }
  }

  @Test
  void record_onAClosedStore_failsInsteadOfWaiting(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir) {
    Store store = Store.sqlite(dir);
    UsageTable usage = new UsageTable(store);
    store.close();
    assertThat(usage.record(new UsageRecord("a", "o", "f", "n", 1, 0, 0, "ok", 0)))
        .failsWithin(java.time.Duration.ofSeconds(10));
  }

  @Test
  void usageRecord_badFields_areRefusedWithTheFieldsName() {
    assertThatThrownBy(() -> new UsageRecord("a", "o", "f", "n", -1, 0, 0, "ok", 0))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("executionMs -1");
    assertThatThrownBy(() -> new UsageRecord("", "o", "f", "n", 1, 0, 0, "ok", 0))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("callerAccount");
    assertThatThrownBy(() -> new UsageRecord("a", "o", "f", "n", 1, 0, 0, "x".repeat(33), 0))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("outcome");
    assertThatThrownBy(() -> new UsageRecord("a", null, "f", "n", 1, 0, 0, "ok", 0))
        .isInstanceOf(NullPointerException.class).hasMessageContaining("nodeAccount");
  }
}
