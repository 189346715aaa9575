package io.easyremote.store;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Metering: every completed call that reached a node ({@link UsageRecord}), summed per minute in
 * the {@code easyremote_usage_minutes} table (one row per minute, caller account, node account,
 * function, node and outcome), and those sums per account or per function over a time window,
 * exact to the minute. Records are queued and written in batches: one {@link Store#write} sums the
 * records queued when the store's writer reaches it and adds each group's sums to its minute's row
 * (an upsert), sharing group commits with everything else. Thread-safe.
 */
public final class UsageTable {
  /** The sums are per minute. */
  public static final long MINUTE_MILLIS = 60_000;
  private static final String UPSERT = "INSERT INTO easyremote_usage_minutes (minute_start, caller_account, node_account, "
      + "function_name, node_id, outcome, calls, execution_ms, bytes_in, bytes_out) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) "
      + "ON CONFLICT (minute_start, caller_account, node_account, function_name, node_id, outcome) DO UPDATE SET "
      + "calls = easyremote_usage_minutes.calls + excluded.calls, "
      + "execution_ms = easyremote_usage_minutes.execution_ms + excluded.execution_ms, "
      + "bytes_in = easyremote_usage_minutes.bytes_in + excluded.bytes_in, "
      + "bytes_out = easyremote_usage_minutes.bytes_out + excluded.bytes_out";
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
   * Adds {@code usage} to its minute's sums; the future completes once that is committed. Records
   * queue here and are written in batches: one {@link Store#write} takes every record queued when
   * the store's writer reaches it, sums them per minute and group, and upserts each group's row
   * (in key order, so that gateways sharing a PostgreSQL store lock rows in one order).
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
      List<UsageRecord> records = new ArrayList<>(taken.size());
      for (Queued q : taken) {
        records.add(q.usage);
      }
      upsert(c, records);
      return null;
    }
  }

  /** The group of a minute's row. */
  private record Key(long minuteStart, String caller, String nodeAccount, String function, String nodeId, String outcome) {
    static final java.util.Comparator<Key> ORDER = java.util.Comparator.comparingLong(Key::minuteStart).thenComparing(Key::caller)
        .thenComparing(Key::nodeAccount).thenComparing(Key::function).thenComparing(Key::nodeId).thenComparing(Key::outcome);

    static Key of(UsageRecord u) {
      return new Key(Math.floorDiv(u.finishedAt(), MINUTE_MILLIS) * MINUTE_MILLIS, u.callerAccount(), u.nodeAccount(), u.function(),
          u.nodeId(), u.outcome());
    }
  }

  /** Adds {@code records} to their minutes' sums inside a transaction the caller holds. */
  public static void upsert(Connection c, List<UsageRecord> records) throws SQLException {
    // Summed in a hash map (a batch's records fall into a few groups), then the groups sorted.
    Map<Key, long[]> sums = new java.util.HashMap<>();
    for (UsageRecord u : records) {
      long[] sum = sums.computeIfAbsent(Key.of(u), k -> new long[4]);
      sum[0]++;
      sum[1] = Math.addExact(sum[1], u.executionMs());
      sum[2] = Math.addExact(sum[2], u.bytesIn());
      sum[3] = Math.addExact(sum[3], u.bytesOut());
    }
    if (sums.isEmpty()) {
      return;
    }
    List<Key> keys = new ArrayList<>(sums.keySet());
    keys.sort(Key.ORDER);
    try (PreparedStatement s = c.prepareStatement(UPSERT)) {
      for (Key k : keys) {
        long[] sum = sums.get(k);
        s.setLong(1, k.minuteStart());
        s.setString(2, k.caller());
        s.setString(3, k.nodeAccount());
        s.setString(4, k.function());
        s.setString(5, k.nodeId());
        s.setString(6, k.outcome());
        for (int i = 0; i < 4; i++) {
          s.setLong(7 + i, sum[i]);
        }
        s.addBatch();
      }
      s.executeBatch();
    }
  }

  /**
   * The calls that finished in the minutes {@code [from, to)} touches, summed per {@code by}, the
   * most calls first. The sums are kept per minute: a window that starts or ends inside a minute
   * covers the whole minute.
   *
   * @param account only calls this account made or served (null: all)
   */
  public List<Summary> summary(By by, String account, Instant from, Instant to) {
    Objects.requireNonNull(by, "by");
    String where = "minute_start > ? AND minute_start < ?" + (account == null ? "" : " AND (caller_account = ? OR node_account = ?)");
    String sql = "SELECT " + by.column + ", SUM(calls), SUM(CASE WHEN outcome = 'ok' THEN 0 ELSE calls END), SUM(execution_ms), "
        + "SUM(bytes_in), SUM(bytes_out) FROM easyremote_usage_minutes WHERE " + where + " GROUP BY " + by.column
        + " ORDER BY SUM(calls) DESC, " + by.column;
    return store.read(c -> {
      try (PreparedStatement s = c.prepareStatement(sql)) {
        s.setLong(1, from.toEpochMilli() - MINUTE_MILLIS); // minutes that end after from
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
