package io.easyremote.store.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.sqlite.SQLiteDataSource;

/** The store writer's statement cache, on a real SQLite file. */
class StatementCacheTest {

  @Test
  void slots_areAFewSizes() {
    assertThat(StatementCache.slots(1)).isEqualTo(4);
    assertThat(StatementCache.slots(4)).isEqualTo(4);
    assertThat(StatementCache.slots(5)).isEqualTo(8);
    assertThat(StatementCache.slots(8)).isEqualTo(8);
    assertThat(StatementCache.slots(9)).isEqualTo(16);
    assertThat(StatementCache.slots(1_000)).isEqualTo(1_024);
  }

  @Test
  void aStatement_isPreparedOnce_andClosingItClearsItForTheNextBatch(@TempDir Path dir) throws Exception {
    SQLiteDataSource source = new SQLiteDataSource();
    source.setUrl("jdbc:sqlite:" + dir.resolve("cache.db"));
    StatementCache cache = new StatementCache();
    try (Connection raw = source.getConnection()) {
      raw.createStatement().execute("CREATE TABLE t (k INTEGER PRIMARY KEY, v TEXT)");
      Connection c = cache.wrap(raw);
      PreparedStatement first;
      try (PreparedStatement insert = c.prepareStatement("INSERT INTO t (k, v) VALUES (?, ?)")) {
        first = insert.unwrap(PreparedStatement.class);
        insert.setInt(1, 1);
        insert.setString(2, "a");
        insert.addBatch();
        insert.executeBatch();
        insert.setInt(1, 99);
        insert.addBatch(); // left in the batch: closing clears it
      }
      c = cache.wrap(raw);
      try (PreparedStatement insert = c.prepareStatement("INSERT INTO t (k, v) VALUES (?, ?)")) {
        assertThat(insert.unwrap(PreparedStatement.class)).as("the same statement, not prepared again").isSameAs(first);
        assertThat(insert.isClosed()).isFalse();
        insert.setInt(1, 2);
        insert.setString(2, "b");
        insert.addBatch();
        assertThat(insert.executeBatch()).as("only what this batch added").hasSize(1);
      }
      try (PreparedStatement count = c.prepareStatement("SELECT COUNT(*), MAX(k) FROM t"); ResultSet r = count.executeQuery()) {
        r.next();
        assertThat(r.getInt(1)).isEqualTo(2);
        assertThat(r.getInt(2)).isEqualTo(2);
      }
      cache.close();
      assertThat(first.isClosed()).as("closed with the cache").isTrue();
      assertThat(raw.isClosed()).as("the connection is the pool's").isFalse();
    }
  }

  @Test
  void anotherPhysicalConnection_closesTheStatementsOfTheLast(@TempDir Path dir) throws Exception {
    SQLiteDataSource source = new SQLiteDataSource();
    source.setUrl("jdbc:sqlite:" + dir.resolve("cache.db"));
    StatementCache cache = new StatementCache();
    try (Connection one = source.getConnection(); Connection two = source.getConnection()) {
      PreparedStatement onOne;
      try (PreparedStatement s = cache.wrap(one).prepareStatement("SELECT 1")) {
        onOne = s.unwrap(PreparedStatement.class);
      }
      try (PreparedStatement s = cache.wrap(two).prepareStatement("SELECT 1"); ResultSet r = s.executeQuery()) {
        assertThat(s.unwrap(PreparedStatement.class)).isNotSameAs(onOne);
        assertThat(r.next()).isTrue();
      }
      assertThat(onOne.isClosed()).isTrue();
      cache.close();
    }
  }
}
