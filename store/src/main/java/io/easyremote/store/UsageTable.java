package io.easyremote.store;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Metering: the {@code easyremote_usage} table, one {@link UsageRecord} per completed call that
 * reached a node, and its sums per account or per function over a time window. Records are queued
 * and written in batches (one JDBC batch per {@link Store#write}), sharing group commits with
 * everything else. Thread-safe.
 */
public final class UsageTable {
  private static final String INSERT = "INSERT INTO easyremote_usage (call_id, caller_account, node_account, function_name, "
      + "node_id, execution_ms, bytes_in, bytes_out, outcome, finished_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)";
  private static final int MAX_BATCH = 1024;

  private final Store store;
  private final ConcurrentLinkedQueue<Queued> queue = new ConcurrentLinkedQueue<>();
  private final AtomicBoolean scheduled = new AtomicBoolean();

  /** The usage table of {@code store}. */
  public UsageTable(Store store) {
    this.store = Objects.requireNonNull(store, "store");
  }

  /** What {@link #summary} groups by. */
  public enum By {
    /** The calling account: what each account used. */
    CALLER("caller_account"),
    /** The node owner's account: what each owner's nodes served. */
    NODE_ACCOUNT("node_account"),
    /** The function. */
    FUNCTION("function_name"),
    /** The node. */
    NODE("node_id");

    private final String column;

    By(String column) {
      this.column = column;
    }
  }

  /**
   * The sums of one group.
   *
   * @param key the account, function or node
   * @param calls how many calls
   * @param failed how many of them did not end {@code ok}
   * @param executionMs their execution time in all
   * @param bytesIn their request bytes in all
   * @param bytesOut their result bytes in all
   */
  public record Summary(String key, long calls, long failed, long executionMs, long bytesIn, long bytesOut) {}

  /**
   * Stores {@code usage}; the future completes once it is committed. Records queue here and are
   * written in batches: one {@link Store#write} takes every record queued when the store's writer
   * reaches it and inserts them with one JDBC batch.
   */
  public CompletableFuture<Void> record(UsageRecord usage) {
    Objects.requireNonNull(usage, "usage");
    Queued queued = new Queued(usage, new CompletableFuture<>());
    queue.add(queued);
    schedule();
    return queued.done;
  }

  private record Queued(UsageRecord usage, CompletableFuture<Void> done) {}

  private void schedule() {
    if (!scheduled.compareAndSet(false, true)) {
      return;
    }
    Batch batch = new Batch();
    store.write(batch).whenComplete((v, failure) -> {
      List<Queued> taken = batch.taken;
      if (taken == null) { // never ran (the store is closed): fail what waits
        scheduled.set(false);
        taken = new ArrayList<>();
        for (Queued q; (q = queue.poll()) != null; ) {
          taken.add(q);
        }
      }
      for (Queued q : taken) {
        if (failure == null) {
          q.done.complete(null);
        } else {
          Throwable cause = failure instanceof java.util.concurrent.CompletionException && failure.getCause() != null
              ? failure.getCause() : failure;
          q.done.completeExceptionally(cause);
        }
      }
    });
  }

  /** The records queued when the writer reaches it (the same ones again if the group commit retries it). */
  private final class Batch implements SqlWork<Void> {
    volatile List<Queued> taken;

    @Override
    public Void run(Connection c) throws SQLException {
      if (taken == null) {
        scheduled.set(false);
        List<Queued> list = new ArrayList<>();
        for (Queued q; list.size() < MAX_BATCH && (q = queue.poll()) != null; ) {
          list.add(q);
        }
        taken = list;
        if (!queue.isEmpty()) {
          schedule();
        }
      }
      try (PreparedStatement s = c.prepareStatement(INSERT)) {
        for (Queued q : taken) {
          bind(s, q.usage);
          s.addBatch();
        }
        s.executeBatch();
      }
      return null;
    }
  }

  /** Stores {@code usage} inside a transaction the caller holds (e.g. with the call's settlement). */
  public static void insert(Connection c, UsageRecord u) throws SQLException {
    try (PreparedStatement s = c.prepareStatement(INSERT)) {
      bind(s, u);
      s.executeUpdate();
    }
  }

  private static void bind(PreparedStatement s, UsageRecord u) throws SQLException {
    s.setString(1, u.callId());
    s.setString(2, u.callerAccount());
    s.setString(3, u.nodeAccount());
    s.setString(4, u.function());
    s.setString(5, u.nodeId());
    s.setLong(6, u.executionMs());
    s.setLong(7, u.bytesIn());
    s.setLong(8, u.bytesOut());
    s.setString(9, u.outcome());
    s.setLong(10, u.finishedAt());
  }

  /**
   * The calls that finished in {@code [from, to)}, summed per {@code by}, the most calls first.
   *
   * @param account only calls this account made or served (null: all)
   */
  public List<Summary> summary(By by, String account, Instant from, Instant to) {
    Objects.requireNonNull(by, "by");
    String where = "finished_at >= ? AND finished_at < ?" + (account == null ? "" : " AND (caller_account = ? OR node_account = ?)");
    String sql = "SELECT " + by.column + ", COUNT(*), SUM(CASE WHEN outcome = 'ok' THEN 0 ELSE 1 END), SUM(execution_ms), "
        + "SUM(bytes_in), SUM(bytes_out) FROM easyremote_usage WHERE " + where + " GROUP BY " + by.column
        + " ORDER BY COUNT(*) DESC, " + by.column;
    return store.read(c -> {
      try (PreparedStatement s = c.prepareStatement(sql)) {
        s.setLong(1, from.toEpochMilli());
        s.setLong(2, to.toEpochMilli());
        if (account != null) {
          s.setString(3, account);
          s.setString(4, account);
        }
        List<Summary> rows = new ArrayList<>();
        try (ResultSet r = s.executeQuery()) {
          while (r.next()) {
            rows.add(new Summary(r.getString(1), r.getLong(2), r.getLong(3), r.getLong(4), r.getLong(5), r.getLong(6)));
          }
        }
        return rows;
      }
    });
  }
}
