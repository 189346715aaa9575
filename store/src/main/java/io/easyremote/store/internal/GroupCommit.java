package io.easyremote.store.internal;

import io.easyremote.store.SqlWork;
import io.easyremote.store.StoreException;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import javax.sql.DataSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One writer thread that runs queued writes in batches, one transaction per batch: the writes that
 * arrive while a commit is under way share the next one. When a batch fails, each of its writes is
 * retried alone, so one bad write fails only its own future. On SQLite the writes' prepared
 * statements are kept from one batch to the next ({@link StatementCache}).
 */
public final class GroupCommit implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(GroupCommit.class);
  private static final int MAX_BATCH = 256;

  private record Op<T>(SqlWork<T> work, CompletableFuture<T> done, long queuedNanos) {}

  private final DataSource source;
  private final String description;
  private final BlockingQueue<Op<?>> queue = new LinkedBlockingQueue<>();
  private final StatementCache statements;
  private final Thread thread;
  private volatile boolean closed;
  // Statistics, written by the writer thread only (volatile so that stats() sees them).
  private volatile long batches;
  private volatile long writes;
  private volatile long waitNanos;
  private volatile long workNanos;
  private volatile long commitNanos;
  private volatile long completeNanos;

  /**
   * @param cacheStatements whether to keep the writes' prepared statements ({@link StatementCache}):
   *     for SQLite, whose driver compiles every statement it prepares; PostgreSQL's driver keeps
   *     its own server-side prepared statements per connection
   */
  public GroupCommit(DataSource source, String description, boolean cacheStatements) {
    this.source = source;
    this.description = description;
    this.statements = cacheStatements ? new StatementCache() : null;
    this.thread = new Thread(this::loop, "easyremote-store-writer");
    this.thread.setDaemon(true);
    this.thread.start();
  }

  /** Queues a write; see {@code Store.write}. */
  public <T> CompletableFuture<T> submit(SqlWork<T> work) {
    CompletableFuture<T> done = new CompletableFuture<>();
    if (closed) {
      done.completeExceptionally(new StoreException("The store " + description + " is closed", null));
      return done;
    }
    queue.add(new Op<>(work, done, System.nanoTime()));
    return done;
  }

  private void loop() {
    List<Op<?>> batch = new ArrayList<>(MAX_BATCH);
    while (!closed || !queue.isEmpty()) {
      try {
        Op<?> first = queue.poll(100, TimeUnit.MILLISECONDS);
        if (first == null) {
          continue;
        }
        batch.add(first);
        queue.drainTo(batch, MAX_BATCH - 1);
        runBatch(batch);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        break;
      } catch (RuntimeException e) {
        log.error("The store writer failed unexpectedly", e);
      } finally {
        batch.clear();
      }
    }
    forgetStatements();
    for (Op<?> op; (op = queue.poll()) != null; ) {
      op.done.completeExceptionally(new StoreException("The store " + description + " closed before this write", null));
    }
  }

  private void runBatch(List<Op<?>> batch) {
    List<Object> values = new ArrayList<>(batch.size());
    long started = System.nanoTime();
    long committing = started;
    try (Connection pooled = source.getConnection()) {
      Connection c = statements == null ? pooled : statements.wrap(pooled);
      c.setAutoCommit(false);
      try {
        for (Op<?> op : batch) {
          values.add(op.work.run(c));
        }
        committing = System.nanoTime();
        c.commit();
      } catch (SQLException | RuntimeException e) {
        rollback(c);
        forgetStatements(); // prepared again next time, whatever state the failure left them in
        if (batch.size() == 1) {
          fail(batch.get(0), e);
          return;
        }
        values = null;
      } finally {
        c.setAutoCommit(true);
      }
    } catch (SQLException e) {
      forgetStatements();
      for (Op<?> op : batch) {
        fail(op, e);
      }
      return;
    }
    if (values == null) { // isolate the bad write: each alone
      for (Op<?> op : batch) {
        runBatch(new ArrayList<>(List.of(op)));
      }
      return;
    }
    long committed = System.nanoTime();
    long waited = 0;
    for (Op<?> op : batch) {
      waited += committed - op.queuedNanos;
    }
    for (int i = 0; i < batch.size(); i++) {
      complete(batch.get(i), values.get(i));
    }
    batches++;
    writes += batch.size();
    waitNanos += waited;
    workNanos += committing - started;
    commitNanos += committed - committing;
    completeNanos += System.nanoTime() - committed;
  }

  /**
   * What the writer did so far: batches committed, writes in them, and nanoseconds summed over
   * writes from queueing to commit, and over batches spent running the writes, committing, and
   * completing the writes' futures (what waits on them runs then, on this thread).
   */
  public io.easyremote.store.Store.WriterStats stats() {
    return new io.easyremote.store.Store.WriterStats(batches, writes, waitNanos, workNanos, commitNanos, completeNanos);
  }

  @SuppressWarnings("unchecked")
  private static <T> void complete(Op<T> op, Object value) {
    op.done.complete((T) value);
  }

  private void fail(Op<?> op, Exception e) {
    op.done.completeExceptionally(new StoreException("Writing to " + description + " failed: " + e.getMessage(), e));
  }

  private void forgetStatements() {
    if (statements != null) {
      statements.close();
    }
  }

  private static void rollback(Connection c) {
    try {
      c.rollback();
    } catch (SQLException e) {
      log.warn("Rollback failed: {}", e.toString());
    }
  }

  /** Runs what is queued, then stops the thread (waits up to 30 s). */
  @Override
  public void close() {
    closed = true;
    try {
      thread.join(30_000);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
