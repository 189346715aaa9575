package io.easyremote.testing;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * A real, throwaway PostgreSQL for tests and benchmarks, started by the project's
 * {@code scripts/postgres.sh} (Debian's {@code postgresql} package, run as the {@code postgres}
 * user when started by root, in a temporary directory, on a free loopback port, with a random
 * password) and removed on {@link #close()}.
 *
 * <pre>{@code
 * try (PostgresServer pg = PostgresServer.start()) {
 *   Gateway.builder().stateJdbcUrl(pg.jdbcUrlWithCredentials())...
 * }
 * }</pre>
 */
public final class PostgresServer implements AutoCloseable {
  private final Path script;
  private final Map<String, String> values;

  private PostgresServer(Path script, Map<String, String> values) {
    this.script = script;
    this.values = values;
  }

  /**
   * Starts a server (within 90 s).
   *
   * @throws IllegalStateException when the script is missing or PostgreSQL is not installed
   *     ({@code scripts/install-test-deps.sh} installs it)
   */
  public static PostgresServer start() throws IOException, InterruptedException {
    Path script = script();
    Process p = new ProcessBuilder(script.toString(), "start").redirectError(ProcessBuilder.Redirect.INHERIT).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    if (!p.waitFor(90, TimeUnit.SECONDS) || p.exitValue() != 0) {
      p.destroyForcibly();
      throw new IllegalStateException("scripts/postgres.sh start failed; is PostgreSQL installed? "
          + "Run scripts/install-test-deps.sh. Output: " + out);
    }
    Map<String, String> values = new HashMap<>();
    for (String line : out.split("\n")) {
      int eq = line.indexOf('=');
      if (eq > 0) {
        values.put(line.substring(0, eq), line.substring(eq + 1).trim());
      }
    }
    return new PostgresServer(script, values);
  }

  /** {@code jdbc:postgresql://127.0.0.1:PORT/postgres}. */
  public String jdbcUrl() {
    return values.get("url");
  }

  /** The JDBC URL with {@code user} and {@code password} parameters, as a gateway's state URL. */
  public String jdbcUrlWithCredentials() {
    return jdbcUrl() + "?user=" + user() + "&password=" + password();
  }

  /** The superuser of this throwaway cluster. */
  public String user() {
    return values.get("user");
  }

  /** Its random password. */
  public String password() {
    return values.get("password");
  }

  /** The port on 127.0.0.1. */
  public int port() {
    return Integer.parseInt(values.get("port"));
  }

  /** Stops the server and removes its directory. */
  @Override
  public void close() throws IOException, InterruptedException {
    Process p = new ProcessBuilder(List.of(script.toString(), "stop", values.get("dir"))).inheritIO().start();
    p.waitFor(60, TimeUnit.SECONDS);
  }

  /** {@code scripts/postgres.sh} in this directory or one above it. */
  static Path script() {
    for (Path d = Path.of("").toAbsolutePath(); d != null; d = d.getParent()) {
      Path candidate = d.resolve("scripts/postgres.sh");
      if (Files.isExecutable(candidate)) {
        return candidate;
      }
    }
    throw new IllegalStateException("scripts/postgres.sh not found in or above " + Path.of("").toAbsolutePath());
  }
}
