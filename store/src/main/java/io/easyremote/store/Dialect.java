package io.easyremote.store;

/** Which database a {@link Store} runs on; the SQL of its tables is the same but for column types. */
public enum Dialect {
  /** An embedded SQLite file in WAL mode: one gateway's own state. */
  SQLITE,
  /** A PostgreSQL server: state shared by a cluster of gateways. */
  POSTGRESQL
}
