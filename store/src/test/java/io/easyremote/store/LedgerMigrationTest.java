package io.easyremote.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Instant;
import org.flywaydb.core.Flyway;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.sqlite.SQLiteDataSource;

/**
 * Migrations on SQLite stores written by older versions. V3 (partial indexes on the transfers) on
 * a ledger written under V2: the table is rebuilt, every transfer kept with its sequence, and the
 * ledger works on as before, a reservation still settled at most once (by the database too). V4
 * (metering per minute) on per-call usage rows written under V3: they are summed into their
 * minutes, and new records add to those sums. V5 (calls itemized, their credits batched) on a call
 * that chargeCall wrote under V4 as two transfers of its own: a repeat still finds it, so it is
 * never charged twice. V6 (the ledger's facts) records whether such calls exist, so that a store
 * without them is not searched for them on every call.
 */
class LedgerMigrationTest {
  private static final String LATEST = "7";

  @Test
  void sqliteLedgerOfVersion2_migratesToV3_keepingEveryTransfer_andOneSettlementPerReservation(@TempDir Path dir) throws Exception {
    SQLiteDataSource v2 = sqliteStoreOfVersion(dir, "2");
    try (Connection c = v2.getConnection(); Statement s = c.createStatement()) { // what a V2 gateway left: a grant, an open reservation
      s.execute("INSERT INTO easyremote_accounts (id, flags, debits_pending, credits_posted, created_at) VALUES ('alice', 1, 30, 100, 1)");
      s.execute("INSERT INTO easyremote_accounts (id, flags, created_at) VALUES ('bob', 1, 1)");
      s.execute("UPDATE easyremote_accounts SET debits_posted = 100 WHERE id = 'mint'");
      s.execute("INSERT INTO easyremote_transfers (seq, id, kind, debit_account, credit_account, amount, code, created_at) "
          + "VALUES (7, 'grant-1', 'TRANSFER', 'mint', 'alice', 100, 'grant', 1)");
      s.execute("INSERT INTO easyremote_transfers (seq, id, kind, debit_account, credit_account, amount, code, tag, created_at) "
          + "VALUES (8, 'hold-1', 'PENDING', 'alice', 'bob', 30, 'transfer', 'gw', 2)");
      s.execute("UPDATE easyremote_accounts SET credits_pending = 30 WHERE id = 'bob'");
      s.execute("INSERT INTO easyremote_open_pendings (id, tag, created_at) VALUES ('hold-1', 'gw', 2)");
    }

    try (Store store = Store.sqlite(dir)) {
      Ledger ledger = new Ledger(store);
      String version = store.read(LedgerMigrationTest::version);
      assertThat(version).isEqualTo(LATEST);
      assertThat(ledger.audit().problems()).isEmpty();
      assertThat(ledger.statement("alice", 10).orElseThrow().recent()).extracting(Transfer::id).containsExactly("hold-1", "grant-1");
      assertThat(ledger.statement("alice", 10).orElseThrow().granted()).isEqualTo(100);
      assertThat(ledger.openPendings("gw", Instant.now(), 10)).extracting(Transfer::id).containsExactly("hold-1");

      assertThat(ledger.post("hold-1-post", "hold-1", 20).join().amount()).isEqualTo(20);
      assertThat(ledger.find("hold-1-post").orElseThrow().pendingId()).isEqualTo("hold-1");
      assertThatThrownBy(() -> ledger.voidPending("hold-1-void", "hold-1").join()).hasCauseInstanceOf(LedgerException.class)
          .hasMessageContaining("already posted");
      assertThatThrownBy(() -> store.writeNow(c -> { // the database refuses a second settlement on its own
        try (Statement s = c.createStatement()) {
          return s.executeUpdate("INSERT INTO easyremote_transfers (id, kind, debit_account, credit_account, amount, pending_id, code, "
              + "created_at) VALUES ('hold-1-again', 'VOID', 'alice', 'bob', 30, 'hold-1', 'transfer', 3)");
        }
      })).isInstanceOf(StoreException.class).hasMessageContaining("UNIQUE");
      assertThat(ledger.statement("bob", 10).orElseThrow().recent()).extracting(Transfer::id).containsExactly("hold-1-post", "hold-1");
      Ledger.Audit audit = ledger.audit();
      assertThat(audit.problems()).isEmpty();
      assertThat(audit.transfers()).isEqualTo(3);
      assertThat(audit.minted()).isEqualTo(audit.held()).isEqualTo(100);
    }
  }

  @Test
  void sqliteUsageOfVersion3_migratesToSumsPerMinute_andNewRecordsAddToThem(@TempDir Path dir) throws Exception {
    SQLiteDataSource v3 = sqliteStoreOfVersion(dir, "3");
    long minute = 1_900_000_020_000L; // a minute's start
    try (Connection c = v3.getConnection(); Statement s = c.createStatement()) { // three calls in one minute, one in the next
      for (String row : new String[] {
          "'c1', 'alice', 'owner', 'add', 'n1', 5, 10, 4, 'ok', " + minute,
          "'c2', 'alice', 'owner', 'add', 'n1', 7, 12, 4, 'ok', " + (minute + 59_999),
          "'c3', 'alice', 'owner', 'add', 'n1', 9, 14, 4, 'function_failed', " + (minute + 1),
          "'c4', 'alice', 'owner', 'add', 'n1', 1, 1, 1, 'ok', " + (minute + 60_000)}) {
        s.execute("INSERT INTO easyremote_usage (call_id, caller_account, node_account, function_name, node_id, execution_ms, bytes_in, "
            + "bytes_out, outcome, finished_at) VALUES (" + row + ")");
      }
    }

    try (Store store = Store.sqlite(dir)) {
      assertThat(store.read(LedgerMigrationTest::version)).isEqualTo(LATEST);
      UsageTable usage = new UsageTable(store);
      Instant from = Instant.ofEpochMilli(minute);
      assertThat(usage.summary(UsageTable.By.FUNCTION, "alice", from, from.plusSeconds(60)))
          .containsExactly(new UsageTable.Summary("add", 3, 1, 21, 36, 12));
      usage.record(new UsageRecord("alice", "owner", "add", "n1", 2, 3, 4, "ok", minute + 30_000)).join();
      assertThat(usage.summary(UsageTable.By.FUNCTION, "alice", from, from.plusSeconds(120)))
          .containsExactly(new UsageTable.Summary("add", 5, 1, 24, 40, 17));
      assertThat(store.<Long>read(c -> {
        try (Statement s = c.createStatement(); var r = s.executeQuery("SELECT COUNT(*) FROM easyremote_usage_minutes")) {
          r.next();
          return r.getLong(1);
        }
      })).as("one row per minute and group: ok and function_failed in the first minute, ok in the second").isEqualTo(3);
    }
  }

  @Test
  void sqliteCallChargedUnderVersion4_isStillChargedAtMostOnce_afterV5(@TempDir Path dir) throws Exception {
    SQLiteDataSource v4 = sqliteStoreOfVersion(dir, "4");
    try (Connection c = v4.getConnection(); Statement s = c.createStatement()) { // alice granted 1,000, charged 100 for call c1 by a V4 gateway
      s.execute("INSERT INTO easyremote_accounts (id, flags, debits_posted, credits_posted, created_at) VALUES ('alice', 1, 100, 1000, 1)");
      s.execute("INSERT INTO easyremote_accounts (id, flags, credits_posted, created_at) VALUES ('owner', 1, 95, 1)");
      s.execute("INSERT INTO easyremote_accounts (id, flags, credits_posted, created_at) VALUES ('ops', 1, 5, 1)");
      s.execute("UPDATE easyremote_accounts SET debits_posted = 1000 WHERE id = 'mint'");
      s.execute("INSERT INTO easyremote_transfers (id, kind, debit_account, credit_account, amount, code, created_at) "
          + "VALUES ('grant-1', 'TRANSFER', 'mint', 'alice', 1000, 'grant', 1)");
      s.execute("INSERT INTO easyremote_transfers (id, kind, debit_account, credit_account, amount, code, tag, created_at) "
          + "VALUES ('call:c1:share', 'TRANSFER', 'alice', 'owner', 95, 'share', 'gw', 2)");
      s.execute("INSERT INTO easyremote_transfers (id, kind, debit_account, credit_account, amount, code, tag, created_at) "
          + "VALUES ('call:c1:fee', 'TRANSFER', 'alice', 'ops', 5, 'fee', 'gw', 2)");
    }

    try (Store store = Store.sqlite(dir)) {
      Ledger ledger = new Ledger(store);
      assertThat(store.read(LedgerMigrationTest::version)).isEqualTo(LATEST);
      assertThat(store.read(LedgerMigrationTest::directChargesBeforeV5)).as("V6 found call c1's own transfers").isEqualTo(1);
      assertThat(ledger.audit().problems()).isEmpty();
      Ledger.Settlement again = ledger.chargeCall("c1", "alice", 200, "gw", "owner", 100, "ops", 500).join();
      assertThat(again.transfers()).extracting(Transfer::id).containsExactly("call:c1:share", "call:c1:fee");
      assertThatThrownBy(() -> ledger.chargeCall("c1", "alice", 200, "gw", "owner", 99, "ops", 500).join())
          .hasCauseInstanceOf(LedgerException.class).hasMessageContaining("already charged");
      ledger.reserveCall("c1", "alice", 200, "gw").join();
      assertThatThrownBy(() -> ledger.settleCall("c1", "owner", 100, "ops", 500).join())
          .hasCauseInstanceOf(LedgerException.class).hasMessageContaining("already charged");
      ledger.voidCall("c1").join();
      assertThat(ledger.chargeCall("c2", "alice", 200, "gw", "owner", 100, "ops", 500).join().transfers())
          .extracting(Transfer::id).allSatisfy(id -> assertThat(id).startsWith("charges:"));
      assertThat(ledger.callCharge("c2")).isPresent();
      assertThat(ledger.callCharge("c1")).as("charged before V5: its own transfers, no row").isEmpty();
      assertThat(ledger.account("alice").orElseThrow().debitsPosted()).as("c1 once, c2 once").isEqualTo(200);
      assertThat(ledger.audit().problems()).isEmpty();
    }
  }

  @Test
  void sqliteStoreWithoutDirectChargesBeforeV5_recordsNone_soTheLedgerDoesNotLookForThem(@TempDir Path dir) throws Exception {
    SQLiteDataSource v4 = sqliteStoreOfVersion(dir, "4");
    try (Connection c = v4.getConnection(); Statement s = c.createStatement()) { // a long call's share: paid from clearing, not the caller
      s.execute("INSERT INTO easyremote_accounts (id, flags, credits_posted, created_at) VALUES ('owner', 1, 95, 1)");
      s.execute("INSERT INTO easyremote_transfers (id, kind, debit_account, credit_account, amount, code, created_at) "
          + "VALUES ('call:c9:share', 'TRANSFER', 'clearing', 'owner', 95, 'share', 2)");
    }
    try (Store store = Store.sqlite(dir)) {
      assertThat(store.read(LedgerMigrationTest::directChargesBeforeV5)).isZero();
    }
    try (Store fresh = Store.sqlite(dir.resolve("fresh"))) {
      assertThat(fresh.read(LedgerMigrationTest::directChargesBeforeV5)).as("a store created at the latest version").isZero();
    }
  }

  /** A SQLite store in {@code dir} migrated up to {@code version} only, as a gateway of that version left it. */
  private static SQLiteDataSource sqliteStoreOfVersion(Path dir, String version) {
    SQLiteDataSource source = new SQLiteDataSource();
    source.setUrl("jdbc:sqlite:" + dir.resolve(Store.SQLITE_FILE));
    Flyway.configure(Store.class.getClassLoader()).dataSource(source).locations("classpath:io/easyremote/store/migration/sqlite")
        .table("easyremote_schema_history").target(version).load().migrate();
    return source;
  }

  private static long directChargesBeforeV5(Connection c) throws SQLException {
    try (Statement s = c.createStatement();
        var r = s.executeQuery("SELECT value FROM easyremote_ledger_facts WHERE name = 'direct_charges_before_v5'")) {
      assertThat(r.next()).as("the fact is recorded").isTrue();
      return r.getLong(1);
    }
  }

  private static String version(Connection c) throws SQLException {
    try (Statement s = c.createStatement();
        var r = s.executeQuery("SELECT MAX(version) FROM easyremote_schema_history WHERE success = 1")) {
      r.next();
      return r.getString(1);
    }
  }
}
