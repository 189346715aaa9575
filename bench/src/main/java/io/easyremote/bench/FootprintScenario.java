package io.easyremote.bench;

import io.easyremote.bench.callers.Caller;
import io.easyremote.bench.callers.RelayedCaller;
import io.easyremote.client.CallOptions;
import io.easyremote.client.Client;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * Scenario 6: idle memory and CPU of the gateway and node processes after a short warm-up, and
 * the cold start of the CLI {@code call} path (process start to printed result) next to the
 * JVM's own start ({@code java -version}).
 */
final class FootprintScenario implements Scenario {
  @Override
  public String id() {
    return "footprint";
  }

  @Override
  public Section run(Lab lab, Settings settings) throws Exception {
    Section section = new Section(id(), "6. Footprint: idle processes and CLI cold start",
        "what", "RSS MB", "heap MB", "idle CPU %", "ms (median)", "÷ JVM start");
    Caller echo = RelayedCaller.text("relayed", lab.client(), LatencyScenario.SMALL);
    Load.sequential(echo, 500);
    Thread.sleep(1000);
    section.row("gateway (1 node, idle)", Procs.rssBytes(lab.gateway.pid()) / 1e6, lab.gateway.heapAfterGc() / 1e6,
        ScaleScenario.idleCpu(lab.gateway, settings), Double.NaN, Double.NaN);
    section.row("node (idle)", Procs.rssBytes(lab.node.pid()) / 1e6, lab.node.heapAfterGc() / 1e6,
        ScaleScenario.idleCpu(lab.node, settings), Double.NaN, Double.NaN);
    Path launcher = settings.repo().resolve("easyremote");
    if (Files.isExecutable(launcher) && Files.isRegularFile(settings.repo().resolve("cli/target/easyremote.jar"))) {
      long without = launchedNodeRss(lab, launcher, false);
      long with = launchedNodeRss(lab, launcher, true);
      if (without > 0 && with > 0) {
        section.row("node started by ./easyremote, EASYREMOTE_CDS=off", without / 1e6, Double.NaN, Double.NaN, Double.NaN, Double.NaN);
        section.row("node started by ./easyremote, with its class-data archive", with / 1e6, Double.NaN, Double.NaN, Double.NaN, Double.NaN);
        section.note("Nodes started by ./easyremote: RSS after 500 calls and " + LAUNCHED_REST.toSeconds() + " s of rest (the launcher "
            + "trims native memory every 10 s); its archive is written by the node's first run as it exits, and the measured run maps it.");
        if (with >= without) {
          // An archive the JVM refuses (written for another jar, or by a run that loaded few classes) leaves
          // the node's classes to be read from the jar: the row would not measure what it says.
          section.note("The node with its class-data archive took no less memory than without: the archive in cli/target/cds "
              + "does not hold this jar's node classes (see docs/footprint.md, \"Class-data archives\"); delete cli/target/cds/node-* "
              + "and run again.");
        }
      } else {
        section.note("A node started by ./easyremote did not register within 60 s: its rows are left out.");
      }
      long gateway = launchedGatewayRss(launcher);
      if (gateway > 0) {
        section.row("gateway started by ./easyremote, with its class-data archive", gateway / 1e6, Double.NaN, Double.NaN, Double.NaN,
            Double.NaN);
        section.note("Gateway started by ./easyremote: with a node started the same way, RSS after 500 calls and "
            + LAUNCHED_GATEWAY_REST.toSeconds() + " s of rest (the launcher's options collect after 10 s without a collection and trim "
            + "native memory every 10 s); a first run writes its archive as it exits, the measured run maps it.");
      } else {
        section.note("A gateway started by ./easyremote did not serve a node within 60 s: its row is left out.");
      }
    }
    if (lab.nats != null) {
      section.row("nats-server (reference)", Procs.rssBytes(lab.nats.pid()) / 1e6, Double.NaN, Double.NaN, Double.NaN, Double.NaN);
    }
    String java = ProcessHandle.current().info().command().orElse("java");
    double jvm = coldStart(settings, List.of(java, "-version"), null);
    section.row("JVM start (java -version)", Double.NaN, Double.NaN, Double.NaN, jvm, 1.0);
    Path jar = settings.repo().resolve("cli/target/easyremote.jar");
    if (Files.isRegularFile(jar)) {
      List<String> call = new ArrayList<>(List.of(java));
      if (Runtime.version().feature() >= 24) {
        call.addAll(List.of("--enable-native-access=ALL-UNNAMED", "--sun-misc-unsafe-memory-access=allow"));
      }
      call.addAll(List.of("-jar", jar.toString(), "call", "--gateway", lab.gatewayAddress(), "echo", "hi"));
      double cli = coldStart(settings, call, "\"hi\"");
      section.row("java -jar easyremote.jar call echo hi", Double.NaN, Double.NaN, Double.NaN, cli, cli / jvm);
      if (Files.isExecutable(launcher)) {
        List<String> viaLauncher = List.of(launcher.toString(), "call", "--gateway", lab.gatewayAddress(), "echo", "hi");
        // The launcher keeps a class-data archive per jar and JDK (cli/target/cds); the first run writes it.
        boolean fresh = !hasArchive(settings.repo().resolve("cli/target/cds"), "client-");
        double first = coldStart(settings, viaLauncher, "\"hi\"", 1);
        section.row("./easyremote call echo hi, first run" + (fresh ? " (writes the CDS archive)" : ""), Double.NaN, Double.NaN, Double.NaN,
            first, first / jvm);
        double script = coldStart(settings, viaLauncher, "\"hi\"");
        section.row("./easyremote call echo hi", Double.NaN, Double.NaN, Double.NaN, script, script / jvm);
        section.note("Goal (issue 16): ./easyremote call ≤ 500 ms cold.");
      }
    } else {
      section.note("CLI cold start skipped: " + jar + " is missing (scripts/bench builds it).");
    }
    section.note("Idle: after 500 calls and 1 s of rest, CPU over " + settings.idleWindow().toSeconds()
        + " s in % of one core; heap is live heap after a full GC.");
    section.note("Gateway JVM options: " + options(settings, settings.gatewayJvmOptions()) + "; node: " + options(settings, settings.nodeJvmOptions())
        + ". Goals (issue 16): idle RSS node ≤ 64 MB, gateway ≤ 128 MB.");
    section.note("Cold start: process start to exit with the result printed, median of " + settings.coldStarts() + " runs.");
    return section;
  }

  /** How long a node started by the launcher rests before its RSS is read: past one trim of native memory. */
  private static final java.time.Duration LAUNCHED_REST = java.time.Duration.ofSeconds(12);

  /**
   * The idle RSS in bytes of a node as {@code ./easyremote node} runs it, or -1 when it did not
   * register. With {@code archive}, a first run writes the node's class-data archive as it exits
   * (unless one is there already) and a second run, measured, maps it; without, one run with
   * {@code EASYREMOTE_CDS=off}.
   */
  private static long launchedNodeRss(Lab lab, Path launcher, boolean archive) throws Exception {
    if (archive && launchedNode(lab, launcher, "footprint-launched-cds-1", true, false) < 0) {
      return -1;
    }
    return launchedNode(lab, launcher, archive ? "footprint-launched-cds-2" : "footprint-launched-plain", archive, true);
  }

  /**
   * Runs one node through the launcher until it has answered 500 calls, then stops it (SIGTERM:
   * the JVM exits normally, writing its archive on a first run). Returns its RSS after
   * {@link #LAUNCHED_REST} when {@code measure} (else 0), or -1 when it did not register within 60 s.
   */
  private static long launchedNode(Lab lab, Path launcher, String id, boolean archive, boolean measure) throws Exception {
    ProcessBuilder builder = new ProcessBuilder(launcher.toString(), "node", "--gateway", lab.gatewayAddress(), "--id", id)
        .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD);
    builder.environment().put("EASYREMOTE_CDS", archive ? "on" : "off");
    Process node = builder.start();
    try {
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
      while (lab.client().nodes().stream().noneMatch(n -> n.id().equals(id))) {
        if (System.nanoTime() > deadline || !node.isAlive()) {
          return -1;
        }
        Thread.sleep(50);
      }
      Load.sequential(RelayedCaller.text("launched", lab.client().withOptions(CallOptions.builder().node(id).build()),
          LatencyScenario.SMALL), 500);
      if (!measure) {
        return 0;
      }
      Thread.sleep(LAUNCHED_REST.toMillis());
      return Procs.rssBytes(node.pid());
    } finally {
      stop(node);
    }
  }

  /** How long a gateway started by the launcher rests before its RSS is read: past its first idle collection and a trim. */
  private static final java.time.Duration LAUNCHED_GATEWAY_REST = java.time.Duration.ofSeconds(25);

  /**
   * The idle RSS in bytes of a gateway as {@code ./easyremote gateway} runs it, with its class-data
   * archive (a first run writes it as it exits unless it is there), or -1 when one did not serve.
   */
  private static long launchedGatewayRss(Path launcher) throws Exception {
    return launchedGateway(launcher, false) < 0 ? -1 : launchedGateway(launcher, true);
  }

  /**
   * Runs a gateway and a node through the launcher, 500 calls through them, then stops both
   * (SIGTERM, so that a first run writes its archives). Returns the gateway's RSS after
   * {@link #LAUNCHED_GATEWAY_REST} when {@code measure} (else 0), or -1 when it did not serve a node within 60 s.
   */
  private static long launchedGateway(Path launcher, boolean measure) throws Exception {
    Process gateway = new ProcessBuilder(launcher.toString(), "gateway", "--port", "0").redirectErrorStream(true).start();
    Process node = null;
    try {
      CompletableFuture<String> address = new CompletableFuture<>();
      Thread reader = new Thread(() -> { // reads the address, then drains what follows so that the pipe never fills
        try (java.io.BufferedReader out = new java.io.BufferedReader(new java.io.InputStreamReader(gateway.getInputStream(),
            StandardCharsets.UTF_8))) {
          for (String line; (line = out.readLine()) != null; ) {
            int at = line.indexOf("listening on ");
            if (at >= 0 && line.startsWith("EasyRemote gateway")) {
              address.complete(line.substring(at + "listening on ".length()).split(" ")[0]);
            }
          }
        } catch (java.io.IOException e) {
          // the gateway went away
        }
        address.complete(null);
      }, "bench-launched-gateway-output");
      reader.setDaemon(true);
      reader.start();
      String at = address.completeOnTimeout(null, 60, TimeUnit.SECONDS).get();
      if (at == null) {
        return -1;
      }
      node = new ProcessBuilder(launcher.toString(), "node", "--gateway", at, "--id", "footprint-gateway-node")
          .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
      try (Client client = Client.builder().gateway(at).deadline(java.time.Duration.ofSeconds(30)).build()) {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (client.nodes().isEmpty()) {
          if (System.nanoTime() > deadline || !node.isAlive() || !gateway.isAlive()) {
            return -1;
          }
          Thread.sleep(50);
        }
        Load.sequential(RelayedCaller.text("launched gateway", client, LatencyScenario.SMALL), 500);
      }
      if (!measure) {
        return 0;
      }
      Thread.sleep(LAUNCHED_GATEWAY_REST.toMillis());
      return Procs.rssBytes(gateway.pid());
    } finally {
      if (node != null) {
        stop(node);
      }
      stop(gateway);
    }
  }

  /** SIGTERM (a launched JVM writes its archive as it exits), then SIGKILL if it is still there after 30 s. */
  private static void stop(Process process) throws InterruptedException {
    process.destroy();
    if (!process.waitFor(30, TimeUnit.SECONDS)) {
      process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
    }
  }

  private static boolean hasArchive(Path cds, String role) throws java.io.IOException {
    if (!Files.isDirectory(cds)) {
      return false;
    }
    try (java.util.stream.Stream<Path> files = Files.list(cds)) {
      return files.anyMatch(f -> f.getFileName().toString().startsWith(role) && f.getFileName().toString().endsWith(".jsa"));
    }
  }

  private static String options(Settings settings, List<String> options) {
    return options.isEmpty() ? "the JVM's defaults" : "`" + String.join(" ", options).replace(settings.repo() + "/", "") + "`";
  }

  /** The median wall time in ms of running {@code command}, checking its output contains {@code expect}. */
  private static double coldStart(Settings settings, List<String> command, String expect) throws Exception {
    return coldStart(settings, command, expect, settings.coldStarts());
  }

  /** The median wall time in ms of {@code runs} runs of {@code command}, checking its output contains {@code expect}. */
  private static double coldStart(Settings settings, List<String> command, String expect, int runs) throws Exception {
    double[] millis = new double[runs];
    for (int i = 0; i < millis.length; i++) {
      long t0 = System.nanoTime();
      Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
      String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0 || (expect != null && !out.contains(expect))) {
        throw new IllegalStateException(String.join(" ", command) + " failed: " + out);
      }
      millis[i] = (System.nanoTime() - t0) / 1e6;
    }
    return Medians.of(millis);
  }
}
