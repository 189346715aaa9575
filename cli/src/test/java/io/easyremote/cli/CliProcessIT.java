package io.easyremote.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.easyremote.gateway.Access;
import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The real shaded jar across separate processes: a gateway, a node, then call / nodes / functions /
 * stream against them. Runs in failsafe's integration-test phase, after package built the jar.
 */
class CliProcessIT {
  private static final Pattern LISTENING = Pattern.compile("EasyRemote gateway listening on (127\\.0\\.0\\.1:\\d+)");

  private final List<Process> processes = new ArrayList<>();

  private record Run(int exit, String out, String err) {}

  private static List<String> java(String... args) {
    String jar = Jvm.jarFor(args);
    List<String> command = new ArrayList<>(List.of(ProcessHandle.current().info().command().orElse("java"), "-Xmx256m"));
    if (Runtime.version().feature() >= 24) {
      command.addAll(List.of("--enable-native-access=ALL-UNNAMED", "--sun-misc-unsafe-memory-access=allow"));
    }
    command.addAll(List.of("-jar", jar));
    command.addAll(List.of(args));
    return command;
  }

  /** Starts a long-running command with stdout and stderr going to {@code log}. */
  private Process start(Path log, String... args) throws IOException {
    ProcessBuilder builder = new ProcessBuilder(java(args)).redirectErrorStream(true).redirectOutput(log.toFile());
    builder.environment().keySet().removeIf(name -> name.startsWith("EASYREMOTE_"));
    Process p = builder.start();
    processes.add(p);
    return p;
  }

  /** Runs a short command to completion (bounded). */
  private static Run run(String... args) throws Exception {
    return run(Map.of(), args);
  }

  /** Runs a short command to completion (bounded), with {@code env} added to its environment. */
  private static Run run(Map<String, String> env, String... args) throws Exception {
    File out = File.createTempFile("easyremote-out", ".txt");
    File err = File.createTempFile("easyremote-err", ".txt");
    try {
      ProcessBuilder builder = new ProcessBuilder(java(args)).redirectOutput(out).redirectError(err);
      builder.environment().keySet().removeIf(name -> name.startsWith("EASYREMOTE_"));
      builder.environment().putAll(env);
      Process p = builder.start();
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

  @AfterEach
  void stop() throws InterruptedException {
    for (Process p : processes) {
      p.destroy();   // SIGTERM: the shutdown hook drains and closes
    }
    for (Process p : processes) {
      if (!p.waitFor(15, TimeUnit.SECONDS)) {
        p.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
      }
    }
  }

  /** Starts {@code easyremote gateway ARGS} and returns its address once it says it listens. */
  private String startGateway(String... args) throws Exception {
    Path gatewayLog = Jvm.log("CliProcessIT-gateway");
    List<String> command = new ArrayList<>(List.of("gateway", "--port", "0"));
    command.addAll(List.of(args));
    Process gateway = start(gatewayLog, command.toArray(String[]::new));
    AtomicReference<String> address = new AtomicReference<>();
    Awaitility.await("the gateway's startup line").atMost(Duration.ofSeconds(30)).until(() -> {
      assertThat(gateway.isAlive()).as(Files.readString(gatewayLog)).isTrue();
      Matcher m = LISTENING.matcher(Files.readString(gatewayLog));
      return m.find() && address.compareAndSet(null, m.group(1));
    });
    return address.get();
  }

  @Test
  void gatewayNodeAndCalls_inSeparateProcesses_workTogether() throws Exception {
    String gw = startGateway();

    Path nodeLog = Jvm.log("CliProcessIT-node");
    Process node = start(nodeLog, "node", "--gateway", gw, "--id", "cli-node", "--label", "zone=test");
    Awaitility.await("whoami listed by functions").atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(500))
        .until(() -> {
          assertThat(node.isAlive()).as(Files.readString(nodeLog)).isTrue();
          return run("functions", "--gateway", gw).out().contains("whoami");
        });
    Awaitility.await("the node's startup line").atMost(Duration.ofSeconds(10)).until(() -> Files.readString(nodeLog)
        .contains("Node cli-node serving 7 functions (add, count, echo, fail, sleep, tokens, whoami) via " + gw));

    Run add = run("call", "add", "1", "2", "--gateway", gw);
    assertThat(add.exit()).as(add.err()).isZero();
    assertThat(add.out()).isEqualTo("3");

    Run echo = run("call", "echo", "hello", "--gateway", gw, "--node", "cli-node", "--timeout", "5s");
    assertThat(echo.exit()).as(echo.err()).isZero();
    assertThat(echo.out()).isEqualTo("\"hello\"");

    Run missing = run("call", "nope", "--gateway", gw);
    assertThat(missing.exit()).isEqualTo(1);
    assertThat(missing.out()).isEmpty();
    assertThat(missing.err()).startsWith("FUNCTION_NOT_FOUND: Unknown function 'nope'. Registered: add,");

    Run failed = run("call", "fail", "boom", "--gateway", gw);
    assertThat(failed.exit()).isEqualTo(1);
    assertThat(failed.err()).isEqualTo("FUNCTION_FAILED: boom (java.lang.IllegalStateException on cli-node)");

    Run nodes = run("nodes", "--gateway", gw);
    assertThat(nodes.exit()).as(nodes.err()).isZero();
    assertThat(nodes.out()).startsWith("NODE").contains("cli-node").contains("HEALTHY").contains("zone=test");

    Run functions = run("functions", "--gateway", gw, "--json");
    assertThat(functions.exit()).as(functions.err()).isZero();
    assertThat(functions.out()).startsWith("[").contains("\"name\" : \"whoami\"");

    Run stream = run("stream", "count", "3", "50", "--gateway", gw);
    assertThat(stream.exit()).as(stream.err()).isZero();
    assertThat(stream.out().split("\\R")).containsExactly("1", "2", "3");
    // The per-call options the Java client and HTTP offer.
    Run routed = run("call", "whoami", "--gateway", gw, "--strategy", "least_loaded", "--require", "zone=test", "--require", "zone=*",
        "--max-cost", "1", "--idempotency-key", "cli-key-1", "--retry", "3");
    assertThat(routed.exit()).as(routed.err()).isZero();
    assertThat(routed.out()).isEqualTo("\"cli-node\"");
    Run unmet = run("call", "whoami", "--gateway", gw, "--require", "zone=mars");
    assertThat(unmet.exit()).isEqualTo(1);
    assertThat(unmet.err()).startsWith("NO_NODE_AVAILABLE:").contains("zone");
    Run badStrategy = run("call", "whoami", "--gateway", gw, "--strategy", "fastest");
    assertThat(badStrategy.exit()).isEqualTo(2);
    assertThat(badStrategy.err()).contains("Unknown strategy 'fastest'").contains("least_loaded");
    Run badRequire = run("call", "whoami", "--gateway", gw, "--require", "zone");
    assertThat(badRequire.exit()).isEqualTo(2);
    assertThat(badRequire.err()).contains("KEY=VALUE");
    Run pinnedStream = run("stream", "count", "2", "0", "--gateway", gw, "--node", "cli-node", "--strategy", "round_robin",
        "--require", "zone=test", "--max-cost", "5", "--retry", "1", "--idempotency-key", "cli-stream-1");
    assertThat(pinnedStream.exit()).as(pinnedStream.err()).isZero();
    assertThat(pinnedStream.out().split("\\R")).containsExactly("1", "2");
    Run ghostStream = run("stream", "count", "2", "0", "--gateway", gw, "--node", "ghost");
    assertThat(ghostStream.exit()).isEqualTo(1);
    assertThat(ghostStream.err()).startsWith("NO_NODE_AVAILABLE:").contains("'ghost'");
  }

  /**
   * Issue 13, item 1, across processes: on a gateway closed with tokens and keys, {@code easyremote
   * drain} without a key (or with a call-only key) takes no node offline; an admin key does.
   */
  @Test
  void closedGateway_drainWithoutAnAdminKey_isRefused_andTheNodeKeepsServing(@TempDir Path dir) throws Exception {
    String token = "er_cli-node-token-0123456789abcdef";
    String callKey = "er_cli-call-key-0123456789abcdef";
    String adminKey = "er_cli-admin-key-0123456789abcdef";
    Path config = dir.resolve("gateway.yaml");
    Files.writeString(config, String.join("\n",
        "nodeTokens:",
        "  - name: cli",
        "    hash: " + io.easyremote.gateway.Access.hash(token),
        "clientKeys:",
        "  - name: caller",
        "    hash: " + io.easyremote.gateway.Access.hash(callKey),
        "    functions: [\"*\"]",
        "  - name: ops",
        "    hash: " + io.easyremote.gateway.Access.hash(adminKey),
        "    functions: []",
        "    scopes: [admin]",
        ""));
    String gw = startGateway("--config", config.toString());

    Path nodeLog = Jvm.log("CliProcessIT-node");
    ProcessBuilder nodeBuilder = new ProcessBuilder(java("node", "--gateway", gw, "--id", "victim"))
        .redirectErrorStream(true).redirectOutput(nodeLog.toFile());
    nodeBuilder.environment().put("EASYREMOTE_TOKEN", token);
    Process node = nodeBuilder.start();
    processes.add(node);
    Awaitility.await("the node registered").atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(500))
        .until(() -> {
          assertThat(node.isAlive()).as(Files.readString(nodeLog)).isTrue();
          return run(Map.of("EASYREMOTE_KEY", adminKey), "nodes", "--gateway", gw).out().contains("victim");
        });

    Run anonymous = run("drain", "victim", "--gateway", gw);
    assertThat(anonymous.exit()).isNotZero();
    assertThat(anonymous.err()).contains("UNAUTHENTICATED");
    Run caller = run(Map.of("EASYREMOTE_KEY", callKey), "drain", "victim", "--gateway", gw);
    assertThat(caller.exit()).isNotZero();
    assertThat(caller.err()).contains("PERMISSION_DENIED");
    Run listing = run("nodes", "--gateway", gw);
    assertThat(listing.exit()).isNotZero();
    assertThat(listing.out()).doesNotContain("victim");

    Run add = run(Map.of("EASYREMOTE_KEY", callKey), "call", "add", "1", "2", "--gateway", gw);
    assertThat(add.out()).as(add.err()).isEqualTo("3");
    assertThat(node.isAlive()).isTrue();

    Run admin = run(Map.of("EASYREMOTE_KEY", adminKey), "drain", "victim", "--gateway", gw);
    assertThat(admin.exit()).as(admin.err()).isZero();
    assertThat(node.waitFor(30, TimeUnit.SECONDS)).as("a drained CLI node exits").isTrue();
  }

  @Test
  void tlsGatewayWithSecrets_nodeAndCallerUseFilesAndEnvironment_andMistakesAreNamed(@TempDir Path dir) throws Exception {
    Jvm.selfSignedCertificate(dir);
    String nodeToken = Access.newSecret();
    String clientKey = Access.newSecret();
    Files.writeString(dir.resolve("gateway.yaml"), "nodeTokens:\n  - name: box\n    hash: " + Access.hash(nodeToken)
        + "\n    functions: [\"*\"]\n    nodeIds: [\"*\"]\nclientKeys:\n  - name: caller\n    hash: " + Access.hash(clientKey)
        + "\n    functions: [\"*\"]\n");
    Path tokenFile = Jvm.secretFile(dir.resolve("node.token"), nodeToken);
    Path keyFile = Jvm.secretFile(dir.resolve("client.key"), clientKey);
    String ca = dir.resolve("cert.pem").toString();

    String gw = startGateway("--config", dir.resolve("gateway.yaml").toString(),
        "--tls-cert", ca, "--tls-key", dir.resolve("key.pk8").toString());
    Path nodeLog = Jvm.log("CliProcessIT-node");
    Process node = start(nodeLog, "node", "--gateway", gw, "--id", "tls-node", "--tls-ca", ca, "--token-file", tokenFile.toString());
    Awaitility.await("the node's startup line").atMost(Duration.ofSeconds(60)).until(() -> {
      assertThat(node.isAlive()).as(Files.readString(nodeLog)).isTrue();
      return Files.readString(nodeLog).contains("Node tls-node serving");
    });
    assertThat(Files.readString(nodeLog)).doesNotContain("warning:");
    assertThat(commandLine(node)).as("what ps shows of the node").doesNotContain(nodeToken);

    Run fromEnv = run(Map.of("EASYREMOTE_KEY", clientKey, "EASYREMOTE_TLS_CA", ca), "call", "whoami", "--gateway", gw);
    assertThat(fromEnv.exit()).as(fromEnv.err()).isZero();
    assertThat(fromEnv.out()).isEqualTo("\"tls-node\"");
    assertThat(fromEnv.err()).isEmpty();

    Run fromFile = run("call", "whoami", "--gateway", gw, "--tls-ca", ca, "--key-file", keyFile.toString());
    assertThat(fromFile.exit()).as(fromFile.err()).isZero();
    assertThat(fromFile.err()).isEmpty();

    Run inline = run("call", "whoami", "--gateway", gw, "--tls-ca", ca, "--key", clientKey);
    assertThat(inline.exit()).as(inline.err()).isZero();
    assertThat(inline.err()).startsWith("warning: --key puts the secret on the command line");

    Run noKey = run("call", "whoami", "--gateway", gw, "--tls-ca", ca);
    assertThat(noKey.exit()).isEqualTo(1);
    assertThat(noKey.err()).startsWith("UNAUTHENTICATED: ");

    Run untrusting = run(Map.of("EASYREMOTE_KEY", clientKey), "call", "whoami", "--gateway", gw, "--tls");
    assertThat(untrusting.exit()).isEqualTo(1);
    assertThat(untrusting.err()).startsWith("UNAVAILABLE: Gateway " + gw + " is unavailable: TLS certificate problem: "
        + "the certificate of gateway " + gw + " is not trusted").contains("--tls-ca FILE");

    Run plaintext = run(Map.of("EASYREMOTE_KEY", clientKey), "call", "whoami", "--gateway", gw);
    assertThat(plaintext.exit()).isEqualTo(1);
    assertThat(plaintext.err()).startsWith("UNAVAILABLE: ").contains("if the gateway uses TLS");
  }

  /** The command line of {@code p} as other users of the machine see it. */
  private static String commandLine(Process p) throws IOException {
    Path proc = Path.of("/proc", Long.toString(p.pid()), "cmdline");
    return Files.exists(proc) ? Files.readString(proc).replace('\0', ' ') : p.info().commandLine().orElse("");
  }
}
