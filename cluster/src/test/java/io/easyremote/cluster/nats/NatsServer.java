package io.easyremote.cluster.nats;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * One running {@code nats-server} process on 127.0.0.1, started by {@link NatsServers}: its ports
 * (read from its own log, so nothing is guessed) and its last log lines for failure messages.
 */
public final class NatsServer {
  private static final Pattern CLIENT = Pattern.compile("Listening for client connections on [^ ]+:(\\d+)");
  private static final Pattern MONITOR = Pattern.compile("Starting http monitor on [^ ]+:(\\d+)");

  private final String name;
  private final Process process;
  private final Path config;
  private final int clusterPort;
  private final Deque<String> tail = new ArrayDeque<>();
  private final CompletableFuture<Void> ready = new CompletableFuture<>();
  private volatile int clientPort = -1;
  private volatile int monitorPort = -1;

  private NatsServer(String name, Process process, Path config, int clusterPort) {
    this.name = name;
    this.process = process;
    this.config = config;
    this.clusterPort = clusterPort;
  }

  /** Starts {@code binary -c config} and returns once its log says it is ready (or fails with the log). */
  static NatsServer start(Path binary, String name, Path config, int clusterPort, Path log) throws IOException {
    Process process = new ProcessBuilder(binary.toString(), "-c", config.toString()).redirectErrorStream(true).start();
    NatsServer server = new NatsServer(name, process, config, clusterPort);
    Thread reader = new Thread(() -> server.readLog(log), "nats-server-log-" + name);
    reader.setDaemon(true);
    reader.start();
    try {
      server.ready.get(20, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      server.kill();
      throw new IOException("interrupted while starting nats-server " + name, e);
    } catch (ExecutionException | TimeoutException e) {
      server.kill();
      throw new IOException("nats-server " + name + " did not become ready within 20 s: "
          + (e instanceof ExecutionException ? e.getCause().getMessage() : "timeout") + "\n" + server.logTail(), e);
    }
    return server;
  }

  private void readLog(Path log) {
    try (BufferedReader in = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
         Writer out = Files.newBufferedWriter(log, StandardCharsets.UTF_8)) {
      String line;
      while ((line = in.readLine()) != null) {
        out.write(line);
        out.write('\n');
        out.flush();
        synchronized (tail) {
          tail.addLast(line);
          if (tail.size() > 60) {
            tail.removeFirst();
          }
        }
        Matcher m = CLIENT.matcher(line);
        if (m.find()) {
          clientPort = Integer.parseInt(m.group(1));
        }
        m = MONITOR.matcher(line);
        if (m.find()) {
          monitorPort = Integer.parseInt(m.group(1));
        }
        if (line.contains("Server is ready")) {
          ready.complete(null);
        }
      }
    } catch (IOException e) {
      // the process ended
    }
    ready.completeExceptionally(new IOException("nats-server " + name + " exited"
        + (process.isAlive() ? "" : " with status " + process.exitValue())));
  }

  /** The server's name in the cluster ({@code n1}, {@code n2}...). */
  public String name() {
    return name;
  }

  /** Its client URL, {@code nats://127.0.0.1:port}. */
  public String url() {
    return "nats://127.0.0.1:" + clientPort;
  }

  /** Its client port. */
  public int clientPort() {
    return clientPort;
  }

  /** Its monitoring port ({@code /healthz}, {@code /routez}, {@code /connz}). */
  public int monitorPort() {
    return monitorPort;
  }

  /** Its route port, or -1 when it is not in a cluster. */
  public int clusterPort() {
    return clusterPort;
  }

  /** Its configuration file. */
  public Path config() {
    return config;
  }

  /** The process id (to kill it from outside, for chaos). */
  public long pid() {
    return process.pid();
  }

  /** Whether the process still runs. */
  public boolean alive() {
    return process.isAlive();
  }

  /** Kills it at once (SIGKILL: no goodbye to clients or routes), and waits until it is gone. */
  public void kill() {
    process.destroyForcibly();
    try {
      process.waitFor(10, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /**
   * Freezes it (SIGSTOP) or thaws it (SIGCONT). A frozen server keeps its sockets open and the
   * kernel still accepts bytes for it, but it reads and answers nothing: to its clients, a
   * half-open connection that no reset reveals.
   */
  public void freeze(boolean frozen) throws IOException, InterruptedException {
    signal(process.pid(), frozen ? "-STOP" : "-CONT");
  }

  /** Sends {@code signal} ({@code -STOP}, {@code -CONT}, ...) to process {@code pid} with {@code kill}. */
  public static void signal(long pid, String signal) throws IOException, InterruptedException {
    Process kill = new ProcessBuilder("kill", signal, Long.toString(pid)).inheritIO().start();
    if (!kill.waitFor(10, TimeUnit.SECONDS) || kill.exitValue() != 0) {
      throw new IOException("kill " + signal + " " + pid + " failed");
    }
  }

  /** Stops it gracefully (SIGTERM), killing it if it lingers past 5 s. */
  public void stop() {
    process.destroy();
    try {
      if (!process.waitFor(5, TimeUnit.SECONDS)) {
        kill();
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      kill();
    }
  }

  /** The last lines of its log. */
  public String logTail() {
    synchronized (tail) {
      return String.join("\n", tail);
    }
  }

  @Override
  public String toString() {
    return "nats-server " + name + " (" + url() + ", monitor " + monitorPort + ")";
  }
}
