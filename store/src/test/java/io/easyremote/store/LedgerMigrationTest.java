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
 * Migration V3 (partial indexes on the transfers) on an SQLite ledger written under V2: the
 * table is rebuilt, every transfer kept with its sequence, and the ledger works on as before,
 * a reservation still settled at most once (by the database too).
 */
class LedgerMigrationTest {

  @Test
  void sqliteLedgerOfVersion2_migratesToV3_keepingEveryTransfer_andOneSettlementPerReservation(@TempDir Path dir) throws Exception {
    SQLiteDataSource v2 = new SQLiteDataSource();
    v2.setUrl("jdbc:sqlite:" + dir.resolve(Store.SQLITE_FILE));
    Flyway.configure(Store.class.getClassLoader()).dataSource(v2).locations("classpath:io/easyremote/store/migration/sqlite")
        .table("easyremote_schema_history").target("2").load().migrate();
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
      assertThat(version).isEqualTo("3");
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

  private static String version(Connection c) throws SQLException {
    try (Statement s = c.createStatement();
        var r = s.executeQuery("SELECT MAX(version) FROM easyremote_schema_history WHERE success = 1")) {
      r.next();
      return r.getString(1);
    }
  }
}
