package io.easyremote.store;

/**
 * How far a {@link Store} makes a commit durable before the write's future completes.
 *
 * <ul>
 *   <li>{@link #FULL}: on disk (SQLite {@code synchronous=FULL}: an fsync of the write-ahead log per
 *       group commit; PostgreSQL {@code synchronous_commit=on}, the server's default). A completed
 *       write survives a crash of the process, of the operating system and a power loss.
 *   <li>{@link #NORMAL}: handed to the operating system (SQLite in WAL mode with
 *       {@code synchronous=NORMAL}: the log is written at each commit and flushed to disk at
 *       checkpoints; PostgreSQL {@code synchronous_commit=off} for the store's sessions). A
 *       completed write survives a crash of the gateway's process ({@code kill -9}); an operating
 *       system crash or a power loss (and, on PostgreSQL, a crash of the database server) may lose
 *       the last commits, whole transactions at the end of the log, never part of one: the store
 *       stays consistent, it only forgets a suffix of its history.
 * </ul>
 *
 * <p>See docs/credits.md for what each means for the ledger.
 */
public enum SyncMode {
  /** Every commit on disk before it completes. */
  FULL,
  /** Every commit safe from a crash of the process; the last ones may be lost to a power loss or OS crash. */
  NORMAL;

  /** The mode named {@code name}, case-insensitively ({@code full} or {@code normal}). */
  public static SyncMode parse(String name) {
    for (SyncMode m : values()) {
      if (m.name().equalsIgnoreCase(name)) {
        return m;
      }
    }
    throw new IllegalArgumentException("a sync mode is 'full' or 'normal', not '" + name + "'");
  }
}
