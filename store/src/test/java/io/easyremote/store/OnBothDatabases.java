package io.easyremote.store;

import java.nio.file.Path;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.io.TempDir;

/**
 * A test class whose parameterized tests run on a real SQLite file and on a real PostgreSQL server
 * (started once per class by {@code scripts/postgres.sh}, stopped after it): use
 * {@code @MethodSource("dialects")} and {@link #open(Dialect)}.
 */
abstract class OnBothDatabases {
  static TestPostgres postgres;
  @TempDir static Path stateDir;

  @BeforeAll
  static void startPostgres() throws Exception {
    postgres = TestPostgres.start();
  }

  @AfterAll
  static void stopPostgres() throws Exception {
    if (postgres != null) {
      postgres.close();
      postgres = null;
    }
  }

  static Stream<Dialect> dialects() {
    return Stream.of(Dialect.SQLITE, Dialect.POSTGRESQL);
  }

  /** A store on the given database: the class's SQLite directory, or a fresh connection pool to its PostgreSQL. */
  static Store open(Dialect dialect) {
    return dialect == Dialect.SQLITE ? Store.sqlite(stateDir) : postgres.open();
  }
}
