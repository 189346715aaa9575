package io.easyremote.testing;

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
 * A gateway in a JVM of its own, for tests that must kill it the hard way ({@code kill -9}): its
 * {@link #main} serves on the port it is given and prints {@code READY} once listening.
 */
final class GatewayProcess implements AutoCloseable {
  private final Process process;

  private GatewayProcess(Process process) {
    this.process = process;
  }

  /** Starts a gateway process on {@code port} and waits until it listens. */
  static GatewayProcess start(int port) throws IOException {
    String java = System.getProperty("java.home") + File.separator + "bin" + File.separator + "java";
    Process process = new ProcessBuilder(List.of(java, "-Xmx256m", "-cp", System.getProperty("java.class.path"),
        GatewayProcess.class.getName(), String.valueOf(port)))
        .redirectErrorStream(true).start();
    BufferedReader out = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
    long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    String line;
    while ((line = out.readLine()) != null) {
      if (line.equals("READY")) {
        Thread drain = new Thread(() -> out.lines().forEach(l -> { }), "gateway-process-output");
        drain.setDaemon(true);
        drain.start();
        return new GatewayProcess(process);
      }
      if (System.nanoTime() > until) {
        break;
      }
    }
    process.destroyForcibly();
    throw new IOException("The gateway process did not start on port " + port);
  }

  /** SIGKILL: no drain, no goodbye to the nodes. */
  void kill() throws InterruptedException {
    process.destroyForcibly();
    process.waitFor(10, TimeUnit.SECONDS);
  }

  @Override
  public void close() throws InterruptedException {
    kill();
  }

  public static void main(String[] args) throws Exception {
    Gateway gateway = Gateway.builder().port(Integer.parseInt(args[0])).drainTimeout(Duration.ZERO).build().start();
    System.out.println("READY");
    System.out.flush();
    gateway.awaitTermination();
  }
}
