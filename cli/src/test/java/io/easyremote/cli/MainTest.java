package io.easyremote.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.easyremote.protocol.ErrorCode;
import io.easyremote.protocol.RemoteException;
import io.easyremote.protocol.RemoteFunctionException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;
import picocli.CommandLine.ParseResult;

class MainTest {
  private final StringWriter out = new StringWriter();
  private final StringWriter err = new StringWriter();

  private int execute(String... args) {
    CommandLine cli = Main.commandLine();
    cli.setOut(new PrintWriter(out, true));
    cli.setErr(new PrintWriter(err, true));
    return cli.execute(args);
  }

  private static <T> T parse(Class<T> type, String... args) {
    ParseResult result = Main.commandLine().parseArgs(args);
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
    assumeTrue(System.getenv("EASYREMOTE_GATEWAY") == null, "EASYREMOTE_GATEWAY is set");
    CallCommand call = parse(CallCommand.class, "call", "echo", "hello", "[1,2]");
    assertThat(call.function).isEqualTo("echo");
    assertThat(call.args).containsExactly("hello", "[1,2]");
    assertThat(call.node).isNull();
    assertThat(call.timeout).isEqualTo(Duration.ofSeconds(30));
    assertThat(call.gateway.address()).isEqualTo("127.0.0.1:8080");
  }

  @Test
  void call_optionsAfterArguments_areOptions() {
    CallCommand call = parse(CallCommand.class, "call", "add", "1", "2", "--gateway", "10.0.0.5:9000", "--node", "gpu-1");
    assertThat(call.args).containsExactly("1", "2");
    assertThat(call.gateway.address()).isEqualTo("10.0.0.5:9000");
    assertThat(call.node).isEqualTo("gpu-1");
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
