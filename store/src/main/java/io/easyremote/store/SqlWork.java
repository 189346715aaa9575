package io.easyremote.store;

import java.sql.Connection;
import java.sql.SQLException;

/**
 * Plain JDBC work on a connection the {@link Store} lends for its duration: run inside a
 * transaction for writes, on a pooled connection for reads. Must not keep the connection.
 *
 * @param <T> what the work returns
 */
@FunctionalInterface
public interface SqlWork<T> {
  /** Does the work; an exception rolls the transaction back. */
  T run(Connection connection) throws SQLException;
}
