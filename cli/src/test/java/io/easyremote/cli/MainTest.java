package io.easyremote.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.easyremote.protocol.ErrorCode;
import io.easyremote.protocol.RemoteException;
import io.easyremote.protocol.RemoteFunctionException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;
import picocli.CommandLine.ParseResult;

/**
 * Option parsing and exit codes of the {@code easyremote} command. Environment variables come from
 * {@link #environment}, never from the process running the tests, so a developer's
 * {@code EASYREMOTE_GATEWAY} cannot change a result.
 */
class MainTest {
  private final StringWriter out = new StringWriter();
  private final StringWriter err = new StringWriter();
  private final Map<String, String> environment = new HashMap<>();

  private CommandLine commandLine() {
    CommandLine cli = Main.commandLine(environment::get);
    cli.setOut(new PrintWriter(out, true));
    cli.setErr(new PrintWriter(err, true));
    return cli;
  }

  private int execute(String... args) {
    return commandLine().execute(args);
  }

  private <T> T parse(Class<T> type, String... args) {
    ParseResult result = commandLine().parseArgs(args);
    return type.cast(result.subcommand().commandSpec().userObject());
  }

  @Test
  void call_timeoutFormats_becomeDurations() {
    assertThat(parse(CallCommand.class, "call", "f", "--timeout", "500ms").timeout).isEqualTo(Duration.ofMillis(500));
    assertThat(parse(CallCommand.class, "call", "f", "--timeout", "5s").timeout).isEqualTo(Duration.ofSeconds(5));
    assertThat(parse(CallCommand.class, "call", "f", "--timeout=1m").timeout).isEqualTo(Duration.ofMinutes(1));
    assertThat(parse(CallCommand.class, "call", "f", "--timeout", "PT0.25S").timeout).isEqualTo(Duration.ofMillis(250));
  }

  @Test
  void call_withoutOptions_usesDefaults() {
    CallCommand call = parse(CallCommand.class, "call", "echo", "hello", "[1,2]");
    assertThat(call.call.function).isEqualTo("echo");
    assertThat(call.call.args).containsExactly("hello", "[1,2]");
    assertThat(call.routing.node).isNull();
    assertThat(call.timeout).isEqualTo(Duration.ofSeconds(30));
    assertThat(call.gateway.address()).isEqualTo("127.0.0.1:8080");
    assertThat(call.gateway.key(new PrintWriter(err, true))).isNull();
    assertThat(call.gateway.tls.enabled()).isFalse();
  }

  @Test
  void call_environment_suppliesGatewayKeyAndCa_andOptionsWin() {
    environment.putAll(Map.of("EASYREMOTE_GATEWAY", "gw.example:9000", "EASYREMOTE_KEY", "env-key", "EASYREMOTE_TLS_CA", "/etc/ca.pem"));

    CallCommand call = parse(CallCommand.class, "call", "echo");
    assertThat(call.gateway.address()).isEqualTo("gw.example:9000");
    assertThat(call.gateway.key(new PrintWriter(err, true))).isEqualTo("env-key");
    assertThat(call.gateway.tls.enabled()).isTrue();
    assertThat(call.gateway.tls.ca()).isEqualTo(Path.of("/etc/ca.pem"));
    assertThat(err.toString()).isEmpty();

    CallCommand explicit = parse(CallCommand.class, "call", "echo", "--gateway", "other:1", "--tls-ca", "mine.pem");
    assertThat(explicit.gateway.address()).isEqualTo("other:1");
    assertThat(explicit.gateway.tls.ca()).isEqualTo(Path.of("mine.pem"));
  }

  @Test
  void clientKey_onTheCommandLine_isUsedButWarnedAbout() {
    environment.put("EASYREMOTE_KEY", "env-key");
    CallCommand call = parse(CallCommand.class, "call", "echo", "--key", "inline-key");

    assertThat(call.gateway.key(new PrintWriter(err, true))).isEqualTo("inline-key");
    assertThat(err.toString()).startsWith("warning: --key puts the secret on the command line, where other users of this machine "
        + "can read it (ps, /proc); use --key-file FILE or the EASYREMOTE_KEY environment variable instead.");
  }

  @Test
  void secretFiles_areReadStripped_withoutWarning_andWinOverTheEnvironment(@TempDir Path dir) throws Exception {
    Path key = ownerOnly(dir.resolve("client.key"), "file-key\n");
    Path token = ownerOnly(dir.resolve("node.token"), "  file-token\r\n");
    environment.putAll(Map.of("EASYREMOTE_KEY", "env-key", "EASYREMOTE_TOKEN", "env-token"));

    assertThat(parse(CallCommand.class, "call", "f", "--key-file", key.toString()).gateway.key(new PrintWriter(err, true))).isEqualTo("file-key");
    NodeCommand node = parse(NodeCommand.class, "node", "--token-file", token.toString());
    assertThat(node.token()).isEqualTo("file-token");
    assertThat(err.toString()).isEmpty();
  }

  @Test
  void nodeToken_fromTheEnvironment_orTheCommandLineWithAWarning() {
    environment.put("EASYREMOTE_TOKEN", "env-token");
    assertThat(parse(NodeCommand.class, "node").token()).isEqualTo("env-token");
    assertThat(err.toString()).isEmpty();

    assertThat(parse(NodeCommand.class, "node", "--token", "inline").token()).isEqualTo("inline");
    assertThat(err.toString()).contains("warning: --token puts the secret on the command line").contains("--token-file FILE or the EASYREMOTE_TOKEN");
  }

  @Test
  void secretFile_sharedWithOtherUsers_isUsedButWarnedAbout(@TempDir Path dir) throws Exception {
    Path token = dir.resolve("node.token");
    Files.writeString(token, "t0ken");
    Files.setPosixFilePermissions(token, PosixFilePermissions.fromString("rw-r--r--"));

    assertThat(parse(NodeCommand.class, "node", "--token-file", token.toString()).token()).isEqualTo("t0ken");
    assertThat(err.toString()).isEqualTo("warning: " + token + " is readable by other users of this machine; chmod 600 " + token + System.lineSeparator());
  }

  @Test
  void secretFile_missingEmptyOrNotOneSecret_isAUsageErrorNamingTheFile(@TempDir Path dir) throws Exception {
    Path empty = ownerOnly(dir.resolve("empty"), "\n");
    Path twoWords = ownerOnly(dir.resolve("two"), "a b\n");

    assertThat(execute("call", "f", "--key-file", dir.resolve("missing").toString())).isEqualTo(2);
    assertThat(err.toString()).contains("error: cannot read --key-file " + dir.resolve("missing"));
    assertThat(execute("node", "--token-file", empty.toString())).isEqualTo(2);
    assertThat(err.toString()).contains("error: --token-file " + empty + " is empty");
    assertThat(execute("node", "--token-file", twoWords.toString())).isEqualTo(2);
    assertThat(err.toString()).contains("error: --token-file " + twoWords + " must hold only the secret, on one line");
    assertThat(execute("node", "--token", "x", "--token-file", twoWords.toString())).isEqualTo(2);
    assertThat(err.toString()).contains("error: give either --token or --token-file, not both");
  }

  @Test
  void tlsOptions_areParsedForTheGatewayNodeAndClients() {
    GatewayCommand gateway = parse(GatewayCommand.class, "gateway", "--tls-cert", "cert.pem", "--tls-key", "key.pem");
    assertThat(gateway.tlsCert).isEqualTo(Path.of("cert.pem"));
    assertThat(gateway.tlsKey).isEqualTo(Path.of("key.pem"));
    NodeCommand node = parse(NodeCommand.class, "node", "--tls");
    assertThat(node.tls.enabled()).isTrue();
    assertThat(node.tls.ca()).isNull();
    assertThat(parse(NodesCommand.class, "nodes", "--tls-ca", "ca.pem").gateway.tls.ca()).isEqualTo(Path.of("ca.pem"));
    assertThat(parse(DrainCommand.class, "drain", "n1", "--tls").gateway.tls.enabled()).isTrue();
    assertThat(parse(StreamCommand.class, "stream", "count", "--tls").gateway.tls.enabled()).isTrue();
    assertThat(parse(FunctionsCommand.class, "functions", "--tls").gateway.tls.enabled()).isTrue();
  }

  @Test
  void gateway_tlsCertWithoutKey_isAUsageError() {
    assertThat(execute("gateway", "--port", "0", "--tls-cert", "cert.pem")).isEqualTo(2);
    assertThat(err.toString()).contains("error: --tls-cert and --tls-key go together");
  }

  @Test
  void gateway_clusterOptions_buildTheClusterConfig_withSecretsFromTheEnvironment() throws Exception {
    environment.put("EASYREMOTE_CLUSTER_PASSWORD", "nats-password");
    environment.put("EASYREMOTE_CLUSTER_SECRET", "a-cluster-secret-of-32-characters");
    GatewayCommand gateway = parse(GatewayCommand.class, "gateway", "--cluster", "nats://10.0.0.1:4222,nats://10.0.0.2:4222",
        "--gateway-id", "gw-a", "--cluster-user", "gw-a");
    assertThat(gateway.cluster.servers).containsExactly("nats://10.0.0.1:4222", "nats://10.0.0.2:4222");

    io.easyremote.gateway.ClusterConfig config = gateway.cluster.config(gateway.gatewayId, new PrintWriter(err, true));

    assertThat(config.gatewayId()).isEqualTo("gw-a");
    assertThat(config.signed()).isTrue();
    assertThat(config.forwardWhenQueued()).as("busy calls forwarded by default").isZero();
    assertThat(parse(GatewayCommand.class, "gateway").cluster.config(null, new PrintWriter(err, true))).isNull();
    assertThat(parse(GatewayCommand.class, "gateway", "--cluster", "nats://10.0.0.1:4222", "--gateway-id", "gw-a",
        "--cluster-forward-when-queued", "-1").cluster.config("gw-a", new PrintWriter(err, true)).forwardWhenQueued()).isEqualTo(-1);
  }

  @Test
  void gateway_clusterForwardWhenQueuedBelowMinusOne_isAUsageError() {
    assertThat(execute("gateway", "--port", "0", "--cluster", "nats://127.0.0.1:1", "--gateway-id", "gw-a",
        "--cluster-forward-when-queued", "-2")).isEqualTo(2);
    assertThat(err.toString()).contains("forwardWhenQueued: -1 (never) or a number of calls >= 0, not -2");
  }

  @Test
  void gateway_clusterWithoutGatewayIdOrPassword_isAUsageError() {
    assertThat(execute("gateway", "--port", "0", "--cluster", "nats://127.0.0.1:1")).isEqualTo(2);
    assertThat(err.toString()).contains("--cluster needs --gateway-id");
    assertThat(execute("gateway", "--port", "0", "--cluster", "nats://127.0.0.1:1", "--gateway-id", "gw-a", "--cluster-user", "gw-a"))
        .isEqualTo(2);
    assertThat(err.toString()).contains("--cluster-user needs its password");
  }

  @Test
  void node_unreadableCa_failsBeforeConnecting() {
    assertThat(execute("node", "--gateway", "127.0.0.1:1", "--tls-ca", "/nonexistent/ca.pem")).isEqualTo(2);
    assertThat(err.toString()).contains("error: CA file is not readable: /nonexistent/ca.pem");
  }

  private static Path ownerOnly(Path file, String content) throws Exception {
    Files.writeString(file, content);
    Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-------"));
    return file;
  }

  @Test
  void call_optionsAfterArguments_areOptions() {
    CallCommand call = parse(CallCommand.class, "call", "add", "1", "2", "--gateway", "10.0.0.5:9000", "--node", "gpu-1");
    assertThat(call.call.args).containsExactly("1", "2");
    assertThat(call.gateway.address()).isEqualTo("10.0.0.5:9000");
    assertThat(call.routing.node).isEqualTo("gpu-1");
  }

  @Test
  void gateway_withoutOptions_listensOnLoopback8080() {
    GatewayCommand gateway = parse(GatewayCommand.class, "gateway");
    assertThat(gateway.host).isEqualTo("127.0.0.1");
    assertThat(gateway.port).isEqualTo(8080);
    assertThat(gateway.insecure).isFalse();
    assertThat(gateway.ioThreads).isNull(); // the gateway's own default
  }

  @Test
  void gateway_ioThreads_isParsed() {
    assertThat(parse(GatewayCommand.class, "gateway", "--io-threads", "4").ioThreads).isEqualTo(4);
  }

  @Test
  void node_repeatedLabelsAndFunctions_areAllKept() {
    NodeCommand node = parse(NodeCommand.class, "node", "--id", "n1", "--label", "gpu=rtx4090", "--label", "zone=lab",
        "--max-concurrency", "4", "--functions", "a.B", "c.D");
    assertThat(node.id).isEqualTo("n1");
    assertThat(node.labels).containsExactly(java.util.Map.entry("gpu", "rtx4090"), java.util.Map.entry("zone", "lab"));
    assertThat(node.maxConcurrency).isEqualTo(4);
    assertThat(node.functions).containsExactly("a.B", "c.D");
  }

  @Test
  void call_badTimeout_isAUsageError() {
    assertThat(execute("call", "add", "1", "2", "--timeout", "soon")).isEqualTo(2);
    assertThat(err.toString()).contains("'soon' is not a duration");
  }

  @Test
  void unknownCommand_isAUsageError() {
    assertThat(execute("bogus")).isEqualTo(2);
    assertThat(err.toString()).contains("Unmatched argument at index 0: 'bogus'");
  }

  @Test
  void subcommandHelp_printsUsage_andExitsZero() {
    assertThat(execute("call", "--help")).isZero();
    assertThat(out.toString()).contains("Usage: easyremote call").contains("--timeout=DURATION");
    assertThat(execute("help", "nodes")).isZero();
    assertThat(out.toString()).contains("Usage: easyremote nodes");
  }

  @Test
  void commandLine_forOneCommand_buildsOnlyThatOne_withTheSameUsageAndErrors() {
    CommandLine full = commandLine();
    CommandLine fast = Main.commandLine(environment::get, "call", "echo", "hi");
    assertThat(fast.getSubcommands().keySet()).containsExactly("call");
    assertThat(fast.getSubcommands().get("call").getUsageMessage()).isEqualTo(full.getSubcommands().get("call").getUsageMessage())
        .contains("--version");

    String[] missing = {"node", "--gateway", "127.0.0.1:1", "--functions", "com.example.Missing"};
    CommandLine node = Main.commandLine(environment::get, missing);
    node.setErr(new PrintWriter(err, true));
    assertThat(node.getSubcommands().keySet()).containsExactly("node");
    assertThat(node.execute(missing)).isEqualTo(2);
    assertThat(err.toString()).contains("error: Class com.example.Missing not found");
  }

  @Test
  void commandLine_forHelpOrAnUnknownName_buildsEveryCommand() {
    int all = commandLine().getSubcommands().size();
    assertThat(all).isGreaterThan(10);
    assertThat(Main.commandLine(environment::get, "help", "call").getSubcommands()).hasSize(all);
    assertThat(Main.commandLine(environment::get, "cal", "echo").getSubcommands()).hasSize(all);
    assertThat(Main.commandLine(environment::get).getSubcommands()).hasSize(all);
  }

  @Test
  void version_printsTheVersion() {
    assertThat(execute("--version")).isZero();
    assertThat(out.toString()).startsWith("EasyRemote ");
  }

  @Test
  void gateway_beyondLoopbackWithoutInsecure_failsWithTheGatewaysMessage() {
    assertThat(execute("gateway", "--host", "0.0.0.0", "--port", "0")).isEqualTo(2);
    assertThat(err.toString()).startsWith("error: Refusing to listen on 0.0.0.0").contains("--insecure");
  }

  @Test
  void node_unknownClass_failsBeforeConnecting() {
    assertThat(execute("node", "--gateway", "127.0.0.1:1", "--functions", "com.example.Missing")).isEqualTo(2);
    assertThat(err.toString()).contains("Class com.example.Missing not found; pass its jar with --classpath");
  }

  @Test
  void node_classWithoutNoArgConstructor_failsBeforeConnecting() {
    assertThat(execute("node", "--gateway", "127.0.0.1:1", "--functions", "java.lang.Integer")).isEqualTo(2);
    assertThat(err.toString()).contains("java.lang.Integer needs a public no-arg constructor");
  }

  @Test
  void describe_functionFailure_namesTheRemoteTypeAndNode() {
    RemoteFunctionException failure = new RemoteFunctionException("boom", "java.lang.IllegalStateException", "", "node-b");
    assertThat(Main.describe(failure)).isEqualTo("FUNCTION_FAILED: boom (java.lang.IllegalStateException on node-b)");
    assertThat(Main.describe(new RemoteException(ErrorCode.FUNCTION_NOT_FOUND, "Unknown function 'x'.")))
        .isEqualTo("FUNCTION_NOT_FOUND: Unknown function 'x'.");
  }
}
