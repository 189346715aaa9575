package io.easyremote.store;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import io.easyremote.store.internal.GroupCommit;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import org.flywaydb.core.Flyway;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.sqlite.SQLiteConfig;
import org.sqlite.SQLiteDataSource;

/**
 * A database for the gateway's durable state, migrated to the current schema when opened.
 *
 * <pre>{@code
 * try (Store store = Store.sqlite(Path.of("state"))) {          // state/easyremote.db, WAL
 *   JobTable jobs = new JobTable(store);
 *   store.write(c -> { jobs.insert(c, row); return null; }).join(); // committed when it completes
 * }
 * }</pre>
 *
 * <p>Writes go through {@link #write}: one writer thread runs them in batches, one transaction per
 * batch (group commit), so many concurrent writers cost one commit, and SQLite, which allows one
 * writer at a time, never makes them wait on each other's locks. Reads ({@link #read}) run on the
 * caller's thread on a pooled connection; SQLite's WAL lets them proceed while a batch commits.
 *
 * <p>By default ({@link SyncMode#FULL}) SQLite runs with {@code synchronous=FULL}: a write whose
 * future completed survives a crash of the process and of the machine. With {@link SyncMode#NORMAL}
 * it survives a crash of the process only. Thread-safe; {@link #close()} finishes queued writes first.
 */
public final class Store implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(Store.class);
  /** The SQLite file inside the state directory. */
  public static final String SQLITE_FILE = "easyremote.db";

  private final Dialect dialect;
  private final HikariDataSource pool;
  private final GroupCommit writer;
  private final String description;
  private final SyncMode sync;

  private Store(Dialect dialect, HikariDataSource pool, String description, SyncMode sync) {
    this.dialect = dialect;
    this.pool = pool;
    this.description = description;
    this.sync = sync;
    this.writer = new GroupCommit(pool, description, dialect == Dialect.SQLITE);
  }

  /**
   * Opens (creating it if needed) {@code dir/easyremote.db}, an SQLite database in WAL mode, and
   * migrates it; every commit on disk ({@link SyncMode#FULL}).
   *
   * @throws StoreException when the directory or database cannot be created, opened or migrated
   */
  public static Store sqlite(Path dir) {
    return sqlite(dir, SyncMode.FULL);
  }

  /**
   * Opens (creating it if needed) {@code dir/easyremote.db}, an SQLite database in WAL mode, and
   * migrates it; commits are made durable as {@code sync} says ({@code synchronous=FULL} or
   * {@code NORMAL}).
   *
   * @throws StoreException when the directory or database cannot be created, opened or migrated
   */
  public static Store sqlite(Path dir, SyncMode sync) {
    Objects.requireNonNull(dir, "dir");
    Objects.requireNonNull(sync, "sync");
    try {
      Files.createDirectories(dir);
    } catch (IOException e) {
      throw new StoreException("Cannot create the state directory " + dir + ": " + e.getMessage(), e);
    }
    Path file = dir.resolve(SQLITE_FILE).toAbsolutePath();
    SQLiteConfig sqlite = new SQLiteConfig();
    sqlite.setJournalMode(SQLiteConfig.JournalMode.WAL);
    sqlite.setSynchronous(sync == SyncMode.FULL ? SQLiteConfig.SynchronousMode.FULL : SQLiteConfig.SynchronousMode.NORMAL);
    sqlite.setBusyTimeout(10_000);
    // The writer's transactions take the write lock when they begin. A deferred one that reads
    // before it writes (the ledger does) is refused at once, without the busy timeout, while another
    // connection holds the lock: SQLite cannot let a read snapshot go stale under a write.
    sqlite.setTransactionMode(SQLiteConfig.TransactionMode.IMMEDIATE);
    sqlite.enforceForeignKeys(true);
    SQLiteDataSource source = new SQLiteDataSource(sqlite);
    source.setUrl("jdbc:sqlite:" + file);
    HikariConfig config = new HikariConfig();
    config.setDataSource(source);
    config.setPoolName("easyremote-sqlite");
    config.setMaximumPoolSize(4);
    return open(Dialect.SQLITE, config, "SQLite " + file, sync);
  }

  /**
   * Connects to PostgreSQL at {@code jdbcUrl} ({@code jdbc:postgresql://host:port/db}) and
   * migrates its schema. Several gateways may share one database.
   *
   * @param user the user, or null to take it from the URL
   * @param password the password, or null to take it from the URL
   * @throws StoreException when the server cannot be reached or the schema cannot be migrated
   */
  public static Store postgres(String jdbcUrl, String user, String password) {
    return postgres(jdbcUrl, user, password, SyncMode.FULL);
  }

  /**
   * {@link #postgres(String, String, String)}, with commits made durable as {@code sync} says:
   * {@link SyncMode#NORMAL} sets {@code synchronous_commit=off} on the store's sessions.
   */
  public static Store postgres(String jdbcUrl, String user, String password, SyncMode sync) {
    Objects.requireNonNull(jdbcUrl, "jdbcUrl");
    Objects.requireNonNull(sync, "sync");
    if (!jdbcUrl.startsWith("jdbc:postgresql:")) {
      throw new IllegalArgumentException("A state URL must be a PostgreSQL JDBC URL (jdbc:postgresql://host:port/db): " + redact(jdbcUrl));
    }
    HikariConfig config = new HikariConfig();
    config.setJdbcUrl(jdbcUrl);
    config.setDriverClassName("org.postgresql.Driver");
    if (user != null) {
      config.setUsername(user);
    }
    if (password != null) {
      config.setPassword(password);
    }
    config.setPoolName("easyremote-postgresql");
    config.setMaximumPoolSize(8);
    config.setConnectionTimeout(10_000);
    if (sync == SyncMode.NORMAL) {
      config.setConnectionInitSql("SET synchronous_commit = off");
    }
    return open(Dialect.POSTGRESQL, config, "PostgreSQL " + redact(jdbcUrl), sync);
  }

  private static Store open(Dialect dialect, HikariConfig config, String description, SyncMode sync) {
    config.setAutoCommit(true);
    // Migrations first, then the pool: a pool that cannot reach the database fails here, not on the first job.
    config.setInitializationFailTimeout(1);
    HikariDataSource pool;
    try {
      pool = new HikariDataSource(config);
    } catch (RuntimeException e) {
      throw new StoreException("Cannot open " + description + ": " + rootMessage(e), e);
    }
    try {
      Flyway.configure(Store.class.getClassLoader())
          .dataSource(pool)
          .locations("classpath:io/easyremote/store/migration/" + dialect.name().toLowerCase(java.util.Locale.ROOT))
          .table("easyremote_schema_history")
          .load()
          .migrate();
    } catch (RuntimeException e) {
      pool.close();
      throw new StoreException("Cannot migrate " + description + ": " + rootMessage(e), e);
    }
    log.info("State store: {} (sync {})", description, sync.name().toLowerCase(java.util.Locale.ROOT));
    return new Store(dialect, pool, description, sync);
  }

  /** Which database this is. */
  public Dialect dialect() {
    return dialect;
  }

  /** How far a commit is made durable before its write completes. */
  public SyncMode sync() {
    return sync;
  }

  /** What this store is, for logs: the kind and the file or URL (without credentials). */
  public String description() {
    return description;
  }

  /**
   * Queues {@code work} for the writer; the future completes with its value once the transaction
   * holding it has committed, or with a {@link StoreException} (nothing of it was written).
   */
  public <T> CompletableFuture<T> write(SqlWork<T> work) {
    return writer.submit(Objects.requireNonNull(work, "work"));
  }

  /** {@link #write} and wait for the commit. @throws StoreException when it fails */
  public <T> T writeNow(SqlWork<T> work) {
    try {
      return write(work).join();
    } catch (CompletionException e) {
      throw e.getCause() instanceof StoreException s ? s : new StoreException("A write failed", e.getCause());
    }
  }

  /** Runs {@code work} on a pooled connection in auto-commit mode. @throws StoreException when it fails */
  public <T> T read(SqlWork<T> work) {
    try (Connection c = pool.getConnection()) {
      return work.run(c);
    } catch (SQLException e) {
      throw new StoreException("Reading " + description + " failed: " + e.getMessage(), e);
    }
  }

  /**
   * What the writer did since the store opened (successful batches only), for benchmarks and
   * diagnostics.
   *
   * @param batches group commits
   * @param writes {@link #write}s committed in them
   * @param queuedToCommittedNanos summed over writes: from {@link #write} to its commit's end
   * @param workNanos summed over batches: running the writes
   * @param commitNanos summed over batches: the commits (on SQLite with {@code synchronous=FULL}, an fsync)
   * @param completeNanos summed over batches: completing the writes' futures, and what runs on them
   */
  public record WriterStats(long batches, long writes, long queuedToCommittedNanos, long workNanos, long commitNanos,
      long completeNanos) {}

  /** What the writer did so far; see {@link WriterStats}. */
  public WriterStats writerStats() {
    return writer.stats();
  }

  /** Finishes queued writes, then closes every connection. Idempotent. */
  @Override
  public void close() {
    writer.close();
    pool.close();
  }

  private static String rootMessage(Throwable e) {
    Throwable t = e;
    while (t.getCause() != null && t.getCause() != t) {
      t = t.getCause();
    }
    return t.getMessage() != null ? t.getMessage() : t.toString();
  }

  /** A URL as it may be logged: no password parameter. */
  static String redact(String url) {
    return url.replaceAll("(?i)(password=)[^&;]*", "$1***");
  }
}
