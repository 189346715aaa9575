package io.easyremote.testing.cluster;

import io.easyremote.gateway.ClusterConfig;
import io.easyremote.gateway.Gateway;
import java.io.BufferedReader;
import java.io.File;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A gateway of a cluster in a JVM of its own, for tests that kill it the hard way ({@code kill -9}):
 * no drain, no goodbye in the directory. Its {@link #main} prints {@code READY <port>} once it
 * listens and has joined the cluster.
 */
final class ClusterGatewayProcess implements AutoCloseable {
  private final Process process;
  private final int port;

  private ClusterGatewayProcess(Process process, int port) {
    this.process = process;
    this.port = port;
  }

  /** Starts a gateway {@code gatewayId} on a free port, joined to NATS at {@code natsUrl} as user {@code gatewayId}. */
  static ClusterGatewayProcess start(String gatewayId, String natsUrl, String password, String secret) throws IOException {
    String java = System.getProperty("java.home") + File.separator + "bin" + File.separator + "java";
    Process process = new ProcessBuilder(List.of(java, "-Xmx256m", "-XX:TieredStopAtLevel=1", "-cp", System.getProperty("java.class.path"),
        ClusterGatewayProcess.class.getName(), gatewayId, natsUrl, password, secret))
        .redirectErrorStream(true).start();
    BufferedReader out = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
    long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    StringBuilder seen = new StringBuilder();
    String line;
    while ((line = out.readLine()) != null) {
      if (line.startsWith("READY ")) {
        Thread drain = new Thread(() -> out.lines().forEach(l -> { }), "cluster-gateway-process-output");
        drain.setDaemon(true);
        drain.start();
        return new ClusterGatewayProcess(process, Integer.parseInt(line.substring(6).trim()));
      }
      seen.append(line).append('\n');
      if (System.nanoTime() > until) {
        break;
      }
    }
    process.destroyForcibly();
    throw new IOException("The cluster gateway process did not start:\n" + seen);
  }

  String address() {
    return "127.0.0.1:" + port;
  }

  /** SIGSTOP (frozen: connected, but it reads and answers nothing) or SIGCONT. */
  void freeze(boolean frozen) throws IOException, InterruptedException {
    Process kill = new ProcessBuilder("kill", frozen ? "-STOP" : "-CONT", Long.toString(process.pid())).inheritIO().start();
    if (!kill.waitFor(10, TimeUnit.SECONDS) || kill.exitValue() != 0) {
      throw new IOException("kill " + (frozen ? "-STOP" : "-CONT") + " " + process.pid() + " failed");
    }
  }

  /** SIGKILL. */
  void kill() throws InterruptedException {
    process.destroyForcibly();
    process.waitFor(10, TimeUnit.SECONDS);
  }

  @Override
  public void close() throws InterruptedException {
    kill();
  }

  public static void main(String[] args) throws Exception {
    Gateway gateway = Gateway.builder().port(0).drainTimeout(Duration.ZERO).registrationGrace(Duration.ZERO)
        .cluster(ClusterConfig.builder().servers(args[1]).gatewayId(args[0]).userPassword(args[0], args[2].toCharArray())
            .secret(args[3].toCharArray()).build())
        .build().start();
    System.out.println("READY " + gateway.port());
    System.out.flush();
    gateway.awaitTermination();
  }
}
