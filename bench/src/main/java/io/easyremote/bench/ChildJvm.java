package io.easyremote.bench;

import io.easyremote.bench.child.ChildMain;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * A helper process: this JVM's own java and class path running {@link ChildMain} in one role.
 * Its stderr goes to a log file; its stdout carries the READY line and command replies.
 */
final class ChildJvm implements AutoCloseable {
  private final String role;
  private final Process process;
  private final PrintWriter commands;
  private final BlockingQueue<String> lines = new ArrayBlockingQueue<>(64);
  private final Map<String, String> ready = new HashMap<>();

  private ChildJvm(String role, Process process) {
    this.role = role;
    this.process = process;
    this.commands = new PrintWriter(process.getOutputStream(), true, StandardCharsets.UTF_8);
    Thread reader = new Thread(this::pump, "bench-" + role + "-stdout");
    reader.setDaemon(true);
    reader.start();
  }

  /** Starts {@code role} with {@code args} and waits (up to 60 s) for its READY line. */
  static ChildJvm start(Path logDir, List<String> jvmOptions, String role, String... args) throws IOException, InterruptedException {
    List<String> command = new ArrayList<>();
    command.add(ProcessHandle.current().info().command().orElse("java"));
    command.addAll(jvmOptions);
    if (Runtime.version().feature() >= 24) {
      command.add("--enable-native-access=ALL-UNNAMED");
      command.add("--sun-misc-unsafe-memory-access=allow");
    }
    command.add("-cp");
    command.add(System.getProperty("java.class.path"));
    command.add(ChildMain.class.getName());
    command.add(role);
    command.addAll(List.of(args));
    Files.createDirectories(logDir);
    Process process = new ProcessBuilder(command)
        .redirectError(ProcessBuilder.Redirect.appendTo(logDir.resolve(role + ".log").toFile()))
        .start();
    ChildJvm child = new ChildJvm(role, process);
    long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
    String line;
    do { // JVM options such as JFR may print lines of their own first
      line = child.next(Duration.ofNanos(Math.max(0, deadline - System.nanoTime())));
    } while (line != null && !line.startsWith("READY"));
    if (line == null) {
      child.close();
      throw new IOException(role + " did not start (" + line + "); see " + logDir.resolve(role + ".log"));
    }
    for (String pair : line.substring("READY".length()).trim().split(" ")) {
      int eq = pair.indexOf('=');
      if (eq > 0) {
        child.ready.put(pair.substring(0, eq), pair.substring(eq + 1));
      }
    }
    return child;
  }

  /** A value from the READY line, e.g. {@code port}. */
  String ready(String key) {
    String value = ready.get(key);
    if (value == null) {
      throw new IllegalStateException(role + " reported no " + key);
    }
    return value;
  }

  /** The process id, for reading its RSS and CPU time. */
  long pid() {
    return process.pid();
  }

  /** Sends one command and returns the words of its reply (without the echoed command word); one at a time. */
  synchronized String[] ask(String command, Duration timeout) throws IOException, InterruptedException {
    commands.println(command);
    String reply = next(timeout);
    if (reply == null) {
      throw new IOException(role + ": no reply to '" + command + "' within " + timeout.toSeconds() + " s");
    }
    if (reply.startsWith("error")) {
      throw new IOException(role + ": " + reply);
    }
    String[] words = reply.split(" ");
    String[] rest = new String[words.length - 1];
    System.arraycopy(words, 1, rest, 0, rest.length);
    return rest;
  }

  /** Live heap of the child after a full GC, in bytes. */
  long heapAfterGc() throws IOException, InterruptedException {
    return Long.parseLong(ask("heap", Duration.ofSeconds(30))[0]);
  }

  private String next(Duration timeout) throws InterruptedException {
    return lines.poll(timeout.toMillis(), TimeUnit.MILLISECONDS);
  }

  private void pump() {
    try (BufferedReader in = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
      String line;
      while ((line = in.readLine()) != null) {
        lines.put(line);
      }
    } catch (IOException | InterruptedException e) {
      // the process ended
    }
  }

  @Override
  public void close() {
    if (process.isAlive()) {
      commands.println("quit");
      try {
        if (!process.waitFor(10, TimeUnit.SECONDS)) {
          process.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
        }
      } catch (InterruptedException e) {
        process.destroyForcibly();
        Thread.currentThread().interrupt();
      }
    }
  }
}
