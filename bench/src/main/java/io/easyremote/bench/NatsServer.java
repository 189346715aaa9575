package io.easyremote.bench;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** A local {@code nats-server} on 127.0.0.1 and a random port, for the peer baseline. */
final class NatsServer implements AutoCloseable {
  private static final Pattern LISTENING = Pattern.compile("Listening for client connections on [^:]+:(\\d+)");
  private static final List<String> PLACES = List.of("/usr/sbin/nats-server", "/usr/bin/nats-server", "/usr/local/bin/nats-server");

  private final Process process;
  private final int port;
  private final String version;

  private NatsServer(Process process, int port, String version) {
    this.process = process;
    this.port = port;
    this.version = version;
    // The helper JVMs exit when the benchmark's stdin closes; nats-server would not, so an
    // interrupted run (Ctrl-C) stops it here.
    Runtime.getRuntime().addShutdownHook(new Thread(process::destroy, "nats-server-stop"));
  }

  /** The nats-server binary on PATH or where Debian puts it, or null. */
  static Path find() {
    for (String dir : System.getenv().getOrDefault("PATH", "").split(":")) {
      Path candidate = Path.of(dir.isEmpty() ? "." : dir, "nats-server");
      if (Files.isExecutable(candidate)) {
        return candidate;
      }
    }
    return PLACES.stream().map(Path::of).filter(Files::isExecutable).findFirst().orElse(null);
  }

  /** Starts the server and waits (up to 10 s) until it listens. */
  static NatsServer start(Path binary) throws IOException, InterruptedException {
    String version = new String(new ProcessBuilder(binary.toString(), "--version").redirectErrorStream(true).start()
        .getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
    Process process = new ProcessBuilder(binary.toString(), "-a", "127.0.0.1", "-p", "-1")
        .redirectErrorStream(true).start();
    BufferedReader log = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    String line;
    while (System.nanoTime() < deadline && (line = log.readLine()) != null) {
      Matcher m = LISTENING.matcher(line);
      if (m.find()) {
        Thread drain = new Thread(() -> {
          try {
            log.transferTo(java.io.Writer.nullWriter());
          } catch (IOException e) {
            // exited
          }
        }, "nats-server-log");
        drain.setDaemon(true);
        drain.start();
        return new NatsServer(process, Integer.parseInt(m.group(1)), version);
      }
    }
    process.destroyForcibly();
    throw new IOException("nats-server did not report a listening port within 10 s");
  }

  String url() {
    return "nats://127.0.0.1:" + port;
  }

  String version() {
    return version;
  }

  long pid() {
    return process.pid();
  }

  @Override
  public void close() throws InterruptedException {
    process.destroy();
    if (!process.waitFor(5, TimeUnit.SECONDS)) {
      process.destroyForcibly();
    }
  }
}
