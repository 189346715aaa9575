/**
 * Durable state for the gateway: {@link io.easyremote.store.Store} opens an embedded SQLite file
 * ({@link io.easyremote.store.Store#sqlite}) or a PostgreSQL server
 * ({@link io.easyremote.store.Store#postgres}), applies the schema migrations (Flyway), pools
 * connections (HikariCP) and batches writes into group commits; {@link io.easyremote.store.JobTable}
 * keeps async jobs in it as {@link io.easyremote.store.JobRow}s; {@link io.easyremote.store.Ledger} keeps
 * credits (double-entry, two-phase, TigerBeetle's semantics: {@link io.easyremote.store.Transfer},
 * {@link io.easyremote.store.Account}, {@link io.easyremote.store.LedgerError}) and
 * {@link io.easyremote.store.UsageTable} meters calls ({@link io.easyremote.store.UsageRecord}).
 *
 * <p>Plain JDBC throughout. Classes under {@code .internal} are not public API.
 */
package io.easyremote.store;
