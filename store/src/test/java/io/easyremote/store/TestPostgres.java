package io.easyremote.store;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * A real PostgreSQL for one test class, started by {@code scripts/postgres.sh} (Debian's package,
 * run as the postgres user in a temporary directory on a free loopback port) and stopped on close.
 */
final class TestPostgres implements AutoCloseable {
  final String url;
  final String user;
  final String password;
  private final String dir;
  private final Path script;

  private TestPostgres(Path script, Map<String, String> values) {
    this.script = script;
    this.url = values.get("url");
    this.user = values.get("user");
    this.password = values.get("password");
    this.dir = values.get("dir");
  }

  static TestPostgres start() throws IOException, InterruptedException {
    Path script = script();
    Process p = new ProcessBuilder(script.toString(), "start").redirectError(ProcessBuilder.Redirect.INHERIT).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    if (!p.waitFor(90, TimeUnit.SECONDS) || p.exitValue() != 0) {
      p.destroyForcibly();
      throw new IllegalStateException("scripts/postgres.sh start failed (is PostgreSQL installed? run scripts/install-test-deps.sh): " + out);
    }
    Map<String, String> values = new HashMap<>();
    for (String line : out.split("\n")) {
      int eq = line.indexOf('=');
      if (eq > 0) {
        values.put(line.substring(0, eq), line.substring(eq + 1).trim());
      }
    }
    return new TestPostgres(script, values);
  }

  Store open() {
    return Store.postgres(url, user, password);
  }

  Store open(SyncMode sync) {
    return Store.postgres(url, user, password, sync);
  }

  @Override
  public void close() throws IOException, InterruptedException {
    Process p = new ProcessBuilder(List.of(script.toString(), "stop", dir)).inheritIO().start();
    p.waitFor(60, TimeUnit.SECONDS);
  }

  private static Path script() {
    for (Path d = Path.of("").toAbsolutePath(); d != null; d = d.getParent()) {
      Path candidate = d.resolve("scripts/postgres.sh");
      if (Files.isExecutable(candidate)) {
        return candidate;
      }
    }
    throw new IllegalStateException("scripts/postgres.sh not found above " + Path.of("").toAbsolutePath());
  }
}
