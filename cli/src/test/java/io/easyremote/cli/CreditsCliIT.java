package io.easyremote.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.easyremote.node.ComputeNode;
import io.easyremote.protocol.Remote;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The credits commands against a TLS gateway (its own process), as an operator sets them up; the
 * client-side commands run in this JVM, as {@code CliProcessIT} already shows they do from the
 * launcher: {@code keygen --account}
 * writes the entries of gateway.yaml, {@code grant} needs the admin key, {@code credits} and
 * {@code usage} show the caller's own account only; every client command trusts the gateway through
 * {@code --tls-ca}.
 */
class CreditsCliIT {
  private final List<Process> processes = new ArrayList<>();

  /** The priced function. */
  public static final class Priced {
    @Remote
    public int work(int x) {
      return x * 2;
    }
  }

  @AfterEach
  void stop() throws InterruptedException {
    for (Process p : processes) {
      Jvm.stop(p);
    }
  }

  /**
   * Runs a client-side command in this JVM (the same picocli commands the launcher runs; the
   * gateway under test is a process of its own): its exit code, standard output and error.
   */
  private static Jvm.Run cli(String... args) {
    java.io.StringWriter err = new java.io.StringWriter();
    java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
    java.io.PrintStream stdout = System.out;
    int exit;
    synchronized (CreditsCliIT.class) {
      System.setOut(new java.io.PrintStream(out, true, java.nio.charset.StandardCharsets.UTF_8));
      try {
        picocli.CommandLine commandLine = Main.commandLine(name -> null, args);
        commandLine.setErr(new java.io.PrintWriter(err, true));
        exit = commandLine.execute(args);
      } finally {
        System.setOut(stdout);
      }
    }
    return new Jvm.Run(exit, out.toString(java.nio.charset.StandardCharsets.UTF_8).trim(), err.toString().trim());
  }

  /** A secret and its gateway.yaml entry, from {@code easyremote keygen}. */
  private record Generated(String secret, String entry) {}

  private static Generated keygen(String... args) throws Exception {
    List<String> all = new ArrayList<>(List.of("keygen"));
    all.addAll(List.of(args));
    Jvm.Run run = cli(all.toArray(String[]::new));
    assertThat(run.exit()).as(run.err()).isZero();
    List<String> lines = run.out().lines().toList();
    String secret = lines.get(lines.indexOf(lines.stream().filter(l -> l.startsWith("# Secret for")).findFirst().orElseThrow()) + 1)
        .substring(1).trim();
    int header = lines.indexOf(lines.stream().filter(l -> l.equals("clientKeys:") || l.equals("nodeTokens:")).findFirst().orElseThrow());
    return new Generated(secret, String.join("\n", lines.subList(header + 1, lines.size())) + "\n");
  }

  @Test
  void keygenGrantCreditsUsage_overTls_onlyTheAdminGrants_andEachCallerSeesItsOwnAccount(@TempDir Path dir) throws Exception {
    Jvm.selfSignedCertificate(dir);
    String ca = dir.resolve("cert.pem").toString();
    Generated alice = keygen("--name", "alice-laptop", "--account", "alice");
    Generated ops = keygen("--name", "ops", "--scope", "admin", "--functions", "");
    Generated farm = keygen("--name", "gpu-box", "--node", "--account", "farm");
    assertThat(alice.entry()).contains("account: alice");
    Files.writeString(dir.resolve("gateway.yaml"), "nodeTokens:\n" + farm.entry() + "clientKeys:\n" + alice.entry() + ops.entry());
    String aliceKey = Jvm.secretFile(dir.resolve("alice.key"), alice.secret()).toString();
    String opsKey = Jvm.secretFile(dir.resolve("ops.key"), ops.secret()).toString();

    Path log = Jvm.log("CreditsCliIT-gateway");
    Process gateway = Jvm.start(log, "gateway", "--port", "0", "--config", dir.resolve("gateway.yaml").toString(),
        "--state", dir.resolve("state").toString(), "--credits-operator", "operator", "--credits-fee-bp", "1000",
        "--tls-cert", ca, "--tls-key", dir.resolve("key.pk8").toString());
    processes.add(gateway);
    String gw = Jvm.awaitListening(gateway, log);
    try (ComputeNode node = ComputeNode.builder().gateway(gw).tls(Path.of(ca)).id("box").token(farm.secret())
        .register(new Priced()).price("work", 100, 0).build().start()) {
      // start() returns once the gateway has welcomed the node: its functions are callable now.
      Jvm.Run broke = cli("call", "work", "21", "--gateway", gw, "--tls-ca", ca, "--key-file", aliceKey);
      assertThat(broke.exit()).isEqualTo(1);
      assertThat(broke.err()).startsWith("INSUFFICIENT_CREDITS");

      Jvm.Run squatter = cli("grant", "alice", "1000", "--gateway", gw, "--tls-ca", ca, "--key-file", aliceKey);
      assertThat(squatter.exit()).as("a caller cannot grant itself credits").isEqualTo(1);
      assertThat(squatter.err()).contains("PERMISSION_DENIED");

      Jvm.Run grant = cli("grant", "alice", "1000", "--gateway", gw, "--tls-ca", ca, "--key-file", opsKey);
      assertThat(grant.exit()).as(grant.err()).isZero();
      Jvm.Run call = cli("call", "work", "21", "--gateway", gw, "--tls-ca", ca, "--key-file", aliceKey);
      assertThat(call.exit()).as(call.err()).isZero();
      assertThat(call.out()).isEqualTo("42");

      Jvm.Run credits = cli("credits", "--gateway", gw, "--tls-ca", ca, "--key-file", aliceKey);
      assertThat(credits.exit()).as(credits.err()).isZero();
      assertThat(credits.out()).contains("account alice: available 900, reserved 0, granted 1000, earned 0, spent 100");

      Jvm.Run snoop = cli("credits", "--account", "farm", "--gateway", gw, "--tls-ca", ca, "--key-file", aliceKey);
      assertThat(snoop.exit()).as("a caller cannot read another account").isEqualTo(1);
      assertThat(snoop.err()).contains("PERMISSION_DENIED");

      Jvm.Run earned = cli("credits", "--account", "farm", "--gateway", gw, "--tls-ca", ca, "--key-file", opsKey);
      assertThat(earned.exit()).as(earned.err()).isZero();
      assertThat(earned.out()).contains("account farm: available 90").contains("earned 90");

      Awaitility.await("the metered call").atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(500)).untilAsserted(() -> {
        Jvm.Run usage = cli("usage", "--gateway", gw, "--tls-ca", ca, "--key-file", aliceKey);
        assertThat(usage.exit()).as(usage.err()).isZero();
        assertThat(usage.out()).contains("work");
      });
    }
  }
}
