package io.easyremote.store.internal;

import java.lang.reflect.InvocationHandler;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Proxy;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.util.LinkedHashMap;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The store writer's prepared statements, kept from one batch to the next. SQLite's JDBC driver
 * compiles a statement on every {@code prepareStatement}, and a profile of the writer during paid
 * calls found it compiling longer than it ran the statements; HikariCP leaves statement caching to
 * the driver, and this driver has none. {@link #wrap} gives a batch's writes a connection whose
 * {@code prepareStatement(String)} returns the statement prepared before for the same SQL: its
 * {@code close()} clears its parameters and batch and keeps it. Everything else goes to the pooled
 * connection. Statements with an {@code IN} list stay few when the lists are padded to a few sizes
 * ({@link #slots}). Statements live on the physical connection, so the pool's return of the
 * connection does not close them; when the pool hands out another physical connection, those of
 * the last one are closed. For the single writer thread only.
 */
final class StatementCache implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(StatementCache.class);
  private static final int MAX_STATEMENTS = 128;

  private final Map<String, PreparedStatement> statements = new LinkedHashMap<>(32, 0.75f, true) {
    @Override
    protected boolean removeEldestEntry(Map.Entry<String, PreparedStatement> eldest) {
      if (size() <= MAX_STATEMENTS) {
        return false;
      }
      closeQuietly(eldest.getValue());
      return true;
    }
  };
  private Connection physical;

  /** The number of {@code ?} an {@code IN} list of {@code n} values gets: the next power of two, so few statements differ. */
  static int slots(int n) {
    return n <= 4 ? 4 : Integer.highestOneBit(n - 1) << 1;
  }

  /** {@code pooled}, with its statements cached. */
  Connection wrap(Connection pooled) throws SQLException {
    Connection raw = pooled.unwrap(Connection.class);
    if (raw != physical) {
      close();
      physical = raw;
    }
    InvocationHandler handler = (proxy, method, args) -> {
      if (method.getName().equals("prepareStatement") && args != null && args.length == 1 && args[0] instanceof String sql) {
        return cached(sql);
      }
      return invoke(pooled, method, args);
    };
    return (Connection) Proxy.newProxyInstance(Connection.class.getClassLoader(), new Class<?>[] {Connection.class}, handler);
  }

  private PreparedStatement cached(String sql) throws SQLException {
    PreparedStatement statement = statements.get(sql);
    if (statement == null) {
      statement = physical.prepareStatement(sql);
      statements.put(sql, statement);
    }
    PreparedStatement kept = statement;
    InvocationHandler handler = (proxy, method, args) -> switch (method.getName()) {
      case "close" -> {
        kept.clearBatch();
        kept.clearParameters();
        yield null;
      }
      case "isClosed" -> false;
      default -> invoke(kept, method, args);
    };
    return (PreparedStatement) Proxy.newProxyInstance(PreparedStatement.class.getClassLoader(), new Class<?>[] {PreparedStatement.class},
        handler);
  }

  private static Object invoke(Object target, Method method, Object[] args) throws Throwable {
    try {
      return method.invoke(target, args);
    } catch (InvocationTargetException e) {
      throw e.getCause();
    }
  }

  /** Closes the cached statements (the connection stays open: it is the pool's). */
  @Override
  public void close() {
    statements.values().forEach(StatementCache::closeQuietly);
    statements.clear();
    physical = null;
  }

  private static void closeQuietly(PreparedStatement statement) {
    try {
      statement.close();
    } catch (SQLException e) {
      log.debug("Closing a cached statement failed: {}", e.toString());
    }
  }
}
