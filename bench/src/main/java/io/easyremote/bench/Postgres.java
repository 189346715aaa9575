package io.easyremote.bench;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/** A throwaway PostgreSQL started by {@code scripts/postgres.sh} (Debian's package, a temp dir, a free loopback port). */
final class Postgres implements AutoCloseable {
  private final Path script;
  private final Map<String, String> values;

  private Postgres(Path script, Map<String, String> values) {
    this.script = script;
    this.values = values;
  }

  /** Starts one; fails with the script's output when PostgreSQL is not installed. */
  static Postgres start(Path repo) throws IOException, InterruptedException {
    Path script = repo.resolve("scripts/postgres.sh");
    Process p = new ProcessBuilder(script.toString(), "start").redirectError(ProcessBuilder.Redirect.INHERIT).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    if (!p.waitFor(90, TimeUnit.SECONDS) || p.exitValue() != 0) {
      p.destroyForcibly();
      throw new IOException("scripts/postgres.sh start failed (run scripts/install-test-deps.sh): " + out);
    }
    Map<String, String> values = new HashMap<>();
    for (String line : out.split("\n")) {
      int eq = line.indexOf('=');
      if (eq > 0) {
        values.put(line.substring(0, eq), line.substring(eq + 1).trim());
      }
    }
    return new Postgres(script, values);
  }

  /** The JDBC URL with credentials, as a gateway's state URL. */
  String url() {
    return values.get("url") + "?user=" + values.get("user") + "&password=" + values.get("password");
  }

  @Override
  public void close() throws IOException, InterruptedException {
    new ProcessBuilder(script.toString(), "stop", values.get("dir")).inheritIO().start().waitFor(60, TimeUnit.SECONDS);
  }
}
