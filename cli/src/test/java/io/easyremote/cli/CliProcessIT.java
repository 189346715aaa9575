package io.easyremote.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedReader;
import java.io.File;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The real jar across separate processes: gateway, node, then call/nodes/functions against them. */
class CliProcessIT {
  private final List<Process> processes = new ArrayList<>();

  private static String jar() {
    return System.getProperty("easyremote.jar", "target/easyremote.jar");
  }

  private Process start(Path log, String... args) throws IOException {
    List<String> command = new ArrayList<>(List.of(ProcessHandle.current().info().command().orElse("java"), "-Xmx256m", "-jar", jar()));
    command.addAll(List.of(args));
    Process p = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile()).start();
    processes.add(p);
    return p;
  }

  private record Run(int exit, String out, String err) {}

  private static Run run(String... args) throws Exception {
    List<String> command = new ArrayList<>(List.of(ProcessHandle.current().info().command().orElse("java"), "-jar", jar()));
    command.addAll(List.of(args));
    File out = File.createTempFile("er-out", ".txt");
    File err = File.createTempFile("er-err", ".txt");
    Process p = new ProcessBuilder(command).redirectOutput(out).redirectError(err).start();
    if (!p.waitFor(60, TimeUnit.SECONDS)) {
      p.destroyForcibly();
      throw new AssertionError("easyremote " + String.join(" ", args) + " did not finish");
    }
    return new Run(p.exitValue(), Files.readString(out.toPath()).trim(), Files.readString(err.toPath()).trim());
  }

  @AfterEach
  void stop() throws InterruptedException {
    for (Process p : processes) {
      p.destroy();
    }
    for (Process p : processes) {
      if (!p.waitFor(10, TimeUnit.SECONDS)) {
        p.destroyForcibly();
      }
    }
  }

  @Test
  void gatewayNodeAndClient_inSeparateProcesses_workTogether() throws Exception {
    Path gatewayLog = Files.createTempFile("gateway", ".log");
    start(gatewayLog, "gateway", "--port", "0");
    Pattern listening = Pattern.compile("listening on (127\\.0\\.0\\.1:\\d+)");
    String[] address = new String[1];
    Awaitility.await().atMost(Duration.ofSeconds(30)).until(() -> {
      Matcher m = listening.matcher(Files.readString(gatewayLog));
      if (m.find()) {
        address[0] = m.group(1);
      }
      return address[0] != null;
    });
    Path nodeLog = Files.createTempFile("node", ".log");
    start(nodeLog, "node", "--gateway", address[0], "--id", "cli-node");
    Awaitility.await().atMost(Duration.ofSeconds(30)).until(() -> Files.readString(nodeLog).contains("serving"));

    Run add = run("call", "add", "1", "2", "--gateway", address[0]);
    assertThat(add.exit()).as(add.err()).isZero();
    assertThat(add.out()).isEqualTo("3");
    Run echo = run("call", "echo", "hello", "--gateway", address[0], "--node", "cli-node");
    assertThat(echo.out()).isEqualTo("\"hello\"");
    Run missing = run("call", "nope", "--gateway", address[0]);
    assertThat(missing.exit()).isEqualTo(1);
    assertThat(missing.err()).startsWith("FUNCTION_NOT_FOUND:");
    Run nodes = run("nodes", "--gateway", address[0]);
    assertThat(nodes.out()).contains("cli-node").contains("HEALTHY");
    Run functions = run("functions", "--gateway", address[0], "--json");
    assertThat(functions.out()).contains("\"whoami\"");
    Run stream = run("stream", "count", "5", "100", "--gateway", address[0]);
    assertThat(stream.exit()).as(stream.err()).isZero();
    assertThat(stream.out().split("\\R")).containsExactly("1", "2", "3", "4", "5");
  }

}
