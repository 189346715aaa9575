package io.easyremote.store;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Metering: every completed call that reached a node ({@link UsageRecord}), summed per minute in
 * the {@code easyremote_usage_minutes} table (one row per minute, caller account, node account,
 * function, node and outcome), and those sums per account or per function over a time window,
 * exact to the minute. A record is added to its group's sums in memory at once ({@link #add}), and
 * the sums are written at most every {@link #FLUSH_EVERY_MILLIS}: one {@link Store#write} takes
 * every group summed when the store's writer reaches it and adds each group's sums to its minute's
 * row (an upsert), sharing a group commit with whatever else is written then. So a busy gateway
 * writes a few rows a second whatever its call rate, its commits stay free of them in between, and
 * a call costs its thread a few additions. Sums not yet written are lost if the process dies
 * (metering is not money: the ledger's charges are committed before their results are released);
 * {@link #flush} writes them at once, as a gateway does when it stops. Thread-safe.
 */
public final class UsageTable {
  private static final Logger log = LoggerFactory.getLogger(UsageTable.class);
  /** The sums are per minute. */
  public static final long MINUTE_MILLIS = 60_000;
  /** How long sums wait in memory at most before a write takes them. */
  public static final long FLUSH_EVERY_MILLIS = 1_000;
  private static final java.util.concurrent.Executor LATER =
      CompletableFuture.delayedExecutor(FLUSH_EVERY_MILLIS, java.util.concurrent.TimeUnit.MILLISECONDS, Runnable::run);
  private static final String UPSERT = "INSERT INTO easyremote_usage_minutes (minute_start, caller_account, node_account, "
      + "function_name, node_id, outcome, calls, execution_ms, bytes_in, bytes_out) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) "
      + "ON CONFLICT (minute_start, caller_account, node_account, function_name, node_id, outcome) DO UPDATE SET "
      + "calls = easyremote_usage_minutes.calls + excluded.calls, "
      + "execution_ms = easyremote_usage_minutes.execution_ms + excluded.execution_ms, "
      + "bytes_in = easyremote_usage_minutes.bytes_in + excluded.bytes_in, "
      + "bytes_out = easyremote_usage_minutes.bytes_out + excluded.bytes_out";

  private final Store store;
  /** What was added and not yet taken by a write: calls, execution ms, bytes in, bytes out per group. */
  private final ConcurrentHashMap<Key, long[]> summed = new ConcurrentHashMap<>();
  private final AtomicBoolean scheduled = new AtomicBoolean();
  /** Whether a delayed write is set for what {@link #add} summed. */
  private final AtomicBoolean pending = new AtomicBoolean();
  /** The write that will take what is summed now (it may have started taking it). */
  private volatile Flush next;
  private final AtomicLong writtenCalls = new AtomicLong();

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
   * Adds {@code usage} to its minute's sums in memory; a write takes them within
   * {@link #FLUSH_EVERY_MILLIS}. A write that fails is logged, and the sums it took are lost.
   *
   * @throws ArithmeticException if a sum not yet written would overflow (nothing is added)
   */
  public void add(UsageRecord usage) {
    sum(usage);
    if (pending.compareAndSet(false, true)) {
      LATER.execute(() -> { // the delayed executor's own thread only hands it to the store
        pending.set(false);
        schedule();
      });
    }
  }

  /**
   * Queues a write of every sum in memory now; the future completes once it is committed (or fails
   * with why it was not).
   */
  public CompletableFuture<Void> flush() {
    return scheduled();
  }

  private void sum(UsageRecord usage) {
    Objects.requireNonNull(usage, "usage");
    summed.compute(Key.of(usage), (key, sum) -> {
      long[] s = sum == null ? new long[4] : sum;
      long executionMs = Math.addExact(s[1], usage.executionMs());
      long bytesIn = Math.addExact(s[2], usage.bytesIn());
      long bytesOut = Math.addExact(s[3], usage.bytesOut());
      s[0]++;
      s[1] = executionMs;
      s[2] = bytesIn;
      s[3] = bytesOut;
      return s;
    });
  }

  /**
   * Adds {@code usage} to its minute's sums and queues their write at once; the future completes
   * once a write that took it is committed (or fails with why it was not).
   */
  public CompletableFuture<Void> record(UsageRecord usage) {
    sum(usage);
    return scheduled();
  }

  /** A write not yet started, queued if none is: it takes every sum added before this returns. */
  private CompletableFuture<Void> scheduled() {
    for (;;) {
      Flush f = next;
      if (f != null && !f.started) { // it starts taking sums after this read, so after the add: it takes them
        return f.done;
      }
      schedule(); // one that started may have missed them: the one after it will not
      Thread.onSpinWait();
    }
  }

  /** How many calls the writes committed so far have added to the table (since this object was made). */
  public long recordedCalls() {
    return writtenCalls.get();
  }

  private void schedule() {
    if (!scheduled.compareAndSet(false, true)) {
      return;
    }
    Flush flush = new Flush();
    next = flush;
    store.write(flush).whenComplete((v, failure) -> {
      if (flush.taken == null) { // never ran (the store is closed): its future fails, what waits for it with it
        scheduled.set(false);
      }
      if (failure == null) {
        writtenCalls.addAndGet(flush.calls);
        flush.done.complete(null);
        return;
      }
      Throwable cause = failure instanceof java.util.concurrent.CompletionException && failure.getCause() != null
          ? failure.getCause() : failure;
      if (flush.calls > 0) {
        log.warn("Could not record the usage of {} call(s): {}", flush.calls, cause.toString());
      }
      flush.done.completeExceptionally(cause);
    });
  }

  /** Takes the sums there are when the writer reaches it (the same ones again if the group commit retries it). */
  private final class Flush implements SqlWork<Void> {
    final CompletableFuture<Void> done = new CompletableFuture<>();
    volatile boolean started;
    volatile Map<Key, long[]> taken;
    volatile long calls;

    @Override
    public Void run(Connection c) throws SQLException {
      if (taken == null) {
        started = true; // first: a record() that sees it unset was summed before what follows takes it
        scheduled.set(false); // what is added from now on queues another write
        Map<Key, long[]> sums = new HashMap<>();
        long n = 0;
        for (Key key : summed.keySet()) {
          long[] sum = summed.remove(key); // atomic with add's compute: a sum is taken whole, or left for the next write
          if (sum != null) {
            sums.put(key, sum);
            n += sum[0];
          }
        }
        calls = n;
        taken = sums;
      }
      upsert(c, taken);
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

  /** Adds each group's sums to its minute's row, in key order (gateways sharing a PostgreSQL store lock rows in one order). */
  private static void upsert(Connection c, Map<Key, long[]> sums) throws SQLException {
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
