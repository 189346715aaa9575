package io.easyremote.cli;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.awaitility.Awaitility;

/**
 * Runs the shaded jars as separate processes, for the integration tests: each command from the jar
 * the launcher runs it from ({@link #jarFor}).
 */
final class Jvm {
  static final Pattern LISTENING = Pattern.compile("EasyRemote gateway listening on (127\\.0\\.0\\.1:\\d+)");
  /** The commands the launcher runs from {@code easyremote-client.jar} (its {@code client_commands}; LauncherIT checks the two agree). */
  static final Set<String> CLIENT_COMMANDS = Set.of("call", "stream", "map", "broadcast", "nodes", "functions", "drain", "submit", "job",
      "credits", "grant", "usage");

  record Run(int exit, String out, String err) {}

  private Jvm() {}

  /**
   * The jar the launcher runs {@code args} from, absolute: {@code easyremote-node.jar} for {@code node},
   * {@code easyremote-client.jar} for the client commands, {@code easyremote.jar} (every command's) otherwise.
   */
  static String jarFor(String... args) {
    Path full = Path.of(System.getProperty("easyremote.jar", "target/easyremote.jar")).toAbsolutePath();
    String command = args.length == 0 ? "" : args[0];
    if (command.equals("node")) {
      return full.resolveSibling("easyremote-node.jar").toString();
    }
    return CLIENT_COMMANDS.contains(command) ? full.resolveSibling("easyremote-client.jar").toString() : full.toString();
  }

  static List<String> command(String... args) {
    String jar = jarFor(args);
    // SQLite's driver unpacks its native library per JVM; a JVM killed with SIGKILL leaves its copy behind. Under target/,
    // next to the jar, mvn clean removes those, where java.io.tmpdir would keep them.
    String sqliteTmp = Path.of(jar).toAbsolutePath().getParent().toString();
    List<String> command = new ArrayList<>(List.of(ProcessHandle.current().info().command().orElse("java"), "-Xmx256m",
        "-Dorg.sqlite.tmpdir=" + sqliteTmp));
    if (Runtime.version().feature() >= 24) {
      command.addAll(List.of("--enable-native-access=ALL-UNNAMED", "--sun-misc-unsafe-memory-access=allow"));
    }
    command.addAll(List.of("-jar", jar));
    command.addAll(List.of(args));
    return command;
  }

  /**
   * A new, empty log file for a child process, under target/test-logs: it outlives the test for
   * diagnostics, and mvn clean removes it.
   */
  static Path log(String prefix) throws IOException {
    return Files.createTempFile(Files.createDirectories(Path.of("target", "test-logs")), prefix, ".log");
  }

  /** Starts a long-running command with stdout and stderr appended to {@code log}. */
  static Process start(Path log, String... args) throws IOException {
    return new ProcessBuilder(command(args)).redirectErrorStream(true)
        .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile())).start();
  }

  /** Starts {@code easyremote gateway ARGS} and waits (30 s) for its listening line; returns host:port. */
  static String awaitListening(Process gateway, Path log) {
    return awaitListening(gateway, log, Duration.ofSeconds(30));
  }

  /** {@link #awaitListening(Process, Path)} with a longer bound (a restart that recovers a loaded store). */
  static String awaitListening(Process gateway, Path log, Duration atMost) {
    AtomicReference<String> address = new AtomicReference<>();
    Awaitility.await("the gateway's startup line").atMost(atMost).until(() -> {
      String text = Files.readString(log);
      if (!gateway.isAlive()) {
        throw new AssertionError("The gateway exited: " + text);
      }
      Matcher m = LISTENING.matcher(text);
      String last = null;
      while (m.find()) {
        last = m.group(1);
      }
      return last != null && address.compareAndSet(null, last);
    });
    return address.get();
  }

  /** Runs a short command to completion (bounded). */
  static Run run(String... args) throws Exception {
    File out = File.createTempFile("easyremote-out", ".txt");
    File err = File.createTempFile("easyremote-err", ".txt");
    try {
      Process p = new ProcessBuilder(command(args)).redirectOutput(out).redirectError(err).start();
      if (!p.waitFor(60, TimeUnit.SECONDS)) {
        p.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        throw new AssertionError("easyremote " + String.join(" ", args) + " did not finish within 60 s");
      }
      return new Run(p.exitValue(), Files.readString(out.toPath()).trim(), Files.readString(err.toPath()).trim());
    } finally {
      out.delete();
      err.delete();
    }
  }

  /** Stops a process: SIGTERM, then SIGKILL after 15 s. */
  static void stop(Process p) throws InterruptedException {
    p.destroy();
    if (!p.waitFor(15, TimeUnit.SECONDS)) {
      p.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
    }
  }

  /** Runs {@code openssl} with {@code args} in {@code dir} (test certificates); fails the test when it fails. */
  static void openssl(Path dir, String... args) throws Exception {
    List<String> command = new ArrayList<>(List.of("openssl"));
    command.addAll(List.of(args));
    Process p = new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true).start();
    String output = new String(p.getInputStream().readAllBytes());
    org.assertj.core.api.Assertions.assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
    org.assertj.core.api.Assertions.assertThat(p.exitValue()).as("openssl %s: %s", args[0], output).isZero();
  }

  /** A self-signed certificate for 127.0.0.1 in {@code dir}: cert.pem (the CA to trust) and key.pk8. */
  static void selfSignedCertificate(Path dir) throws Exception {
    openssl(dir, "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", "key.pem", "-out", "cert.pem", "-days", "2",
        "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1");
    openssl(dir, "pkcs8", "-topk8", "-nocrypt", "-in", "key.pem", "-out", "key.pk8");
  }

  /** Writes {@code secret} to {@code file}, readable by its owner only (as --key-file and --token-file want). */
  static Path secretFile(Path file, String secret) throws IOException {
    Files.writeString(file, secret + "\n");
    Files.setPosixFilePermissions(file, java.nio.file.attribute.PosixFilePermissions.fromString("rw-------"));
    return file;
  }
}
