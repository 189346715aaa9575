package io.easyremote.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.easyremote.gateway.Gateway;
import io.easyremote.node.ComputeNode;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code easyremote map} and {@code broadcast} as a user sees them: the real jar in its own
 * process against a gateway and three nodes, its progress bar rendered by tmux on a 140 × 20
 * screen, and its plain form when stderr is a file.
 */
class MapCommandIT {
  private static Gateway gateway;
  private static final List<ComputeNode> nodes = new ArrayList<>();

  @TempDir
  Path dir;

  @BeforeAll
  static void startCluster() {
    gateway = Gateway.builder().host("127.0.0.1").port(0).registrationGrace(Duration.ZERO).build().start();
    for (String id : List.of("n1", "n2", "n3")) {
      nodes.add(ComputeNode.builder().gateway(gateway.address()).id(id).maxConcurrency(4).register(new SampleFunctions(id)).build().start());
    }
  }

  @AfterAll
  static void stopCluster() {
    nodes.forEach(ComputeNode::close);
    gateway.close();
  }

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

  private Path inputs(String name, List<String> lines) throws Exception {
    Path file = dir.resolve(name);
    Files.write(file, lines, StandardCharsets.UTF_8);
    return file;
  }

  private static String quote(String word) {
    return "'" + word.replace("'", "'\\''") + "'";
  }

  @Test
  void map_onATerminal_redrawsOneBarInPlaceWithNodeRatesAndEta() throws Exception {
    Path in = inputs("sleeps.jsonl", Collections.nCopies(600, "[40]"));
    Path out = dir.resolve("out.jsonl");
    Path socket = dir.resolve("tmux.sock");
    try {
      run("tmux", "-V");
    } catch (java.io.IOException e) {
      throw new AssertionError("tmux is missing: run scripts/install-test-deps.sh (it installs the Debian package)", e);
    }
    String command = java("map", "sleep", in.toString(), "--gateway", gateway.address()).stream().map(MapCommandIT::quote)
        .collect(Collectors.joining(" ")) + " > " + quote(out.toString()) + "; echo EXIT:$?; sleep 120";
    run("tmux", "-S", socket.toString(), "-f", "/dev/null", "new-session", "-d", "-x", "140", "-y", "20", command);
    try {
      List<String> screens = new ArrayList<>();
      Awaitility.await("the map to end on the tmux screen").atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofMillis(100))
          .until(() -> {
            String screen = run("tmux", "-S", socket.toString(), "capture-pane", "-p");
            screens.add(screen);
            return screen.contains("EXIT:");
          });
      Pattern running = Pattern.compile("sleep \\[#*\\.+\\] [\\d,]+/600 +\\d+%  ok [\\d,]+  failed 0  in flight \\d+  [\\d,]+/s  ETA \\d+:\\d\\d\n"
          + "  nodes: n\\d [\\d,]+/s \\([\\d,]+\\)");
      assertThat(screens).as("a screen while the map runs").anySatisfy(s -> assertThat(s).containsPattern(running));
      String last = screens.get(screens.size() - 1);
      assertThat(last).contains("sleep [" + "#".repeat(30) + "] 600/600 100%  ok 600  failed 0  in flight 0")
          .containsPattern("done in 0:\\d\\d\n  nodes: n1 [\\d,]+/s \\([\\d,]+\\), n2 [\\d,]+/s \\([\\d,]+\\), n3 [\\d,]+/s \\([\\d,]+\\)")
          .contains("EXIT:0");
      assertThat(Pattern.compile("sleep \\[").matcher(last).results().count()).as("one bar, redrawn in place:\n" + last).isEqualTo(1);
      assertThat(Files.readAllLines(out)).hasSize(600).containsOnly("40");
    } finally {
      run("tmux", "-S", socket.toString(), "kill-server");
    }
  }

  @Test
  void map_withStderrNotATerminal_printsPlainPeriodicLines() throws Exception {
    Path in = inputs("sleeps.jsonl", Collections.nCopies(300, "[20]"));
    Result r = runCli("map", "sleep", in.toString(), "--gateway", gateway.address(), "--parallel", "4", "--progress-every", "300ms");
    assertThat(r.exit()).as(r.err()).isZero();
    assertThat(r.out().split("\n")).hasSize(300).containsOnly("20");
    assertThat(r.err()).doesNotContain("\033").doesNotContain("\r");
    List<String> lines = r.err().lines().toList();
    assertThat(lines).as(r.err()).hasSizeGreaterThanOrEqualTo(3);
    assertThat(lines.subList(0, lines.size() - 1)).allMatch(l -> l.matches(
        "map sleep: [\\d,]+/300 \\(\\d+%\\), ok [\\d,]+, failed 0, in flight \\d, [\\d,]+ items/s, ETA (\\?|\\d+:\\d\\d); nodes: .*"), r.err());
    assertThat(lines.get(lines.size() - 1)).matches(
        "map sleep: 300/300 \\(100%\\), ok 300, failed 0, in flight 0, [\\d,]+ items/s, done in \\d+:\\d\\d; nodes: n\\d .*");
  }

  @Test
  void map_withFailingInputs_marksThemInPlaceAndReportsTheirLines() throws Exception {
    Path in = inputs("adds.jsonl", List.of("[1, 2]", "", "[3, 4]", "[\"oops\", 1]", "[5, 6]", "7"));
    Result r = runCli("map", "add", in.toString(), "--gateway", gateway.address(), "--progress", "none");
    assertThat(r.exit()).isEqualTo(1);
    List<String> out = r.out().lines().toList();
    assertThat(out).hasSize(5);
    assertThat(out.get(0)).isEqualTo("3");
    assertThat(out.get(1)).isEqualTo("7");
    assertThat(out.get(2)).startsWith("{\"error\":{\"code\":\"INVALID_ARGUMENTS\",\"message\":\"").endsWith("\"line\":4,\"input\":[\"oops\",1]}");
    assertThat(out.get(3)).isEqualTo("11");
    assertThat(out.get(4)).startsWith("{\"error\":{\"code\":\"INVALID_ARGUMENTS\"").endsWith("\"line\":6,\"input\":[7]}");
    assertThat(r.err()).startsWith("2 of 5 items failed:\n  line 4 [\"oops\",1]: INVALID_ARGUMENTS: ").contains("\n  line 6 [7]: INVALID_ARGUMENTS: ");
  }

  @Test
  void broadcast_gathersEveryNodeByIdAndAQuorum() throws Exception {
    Result all = runCli("broadcast", "whoami", "--gateway", gateway.address());
    assertThat(all.exit()).as(all.err()).isZero();
    assertThat(new com.fasterxml.jackson.databind.ObjectMapper().readTree(all.out()))
        .isEqualTo(new com.fasterxml.jackson.databind.ObjectMapper().readTree("{\"n1\":\"n1\",\"n2\":\"n2\",\"n3\":\"n3\"}"));
    Result tooMany = runCli("broadcast", "whoami", "--quorum", "4", "--gateway", gateway.address());
    assertThat(tooMany.exit()).isEqualTo(1);
    assertThat(tooMany.err().trim()).isEqualTo("NO_NODE_AVAILABLE: The broadcast of 'whoami' needs 4 answers, but only 3 nodes can run it: n1, n2, n3.");
  }

  private record Result(int exit, String out, String err) {}

  private Result runCli(String... args) throws Exception {
    Path out = Files.createTempFile(dir, "out", ".txt");
    Path err = Files.createTempFile(dir, "err", ".txt");
    Process p = new ProcessBuilder(java(args)).redirectOutput(out.toFile()).redirectError(err.toFile()).start();
    if (!p.waitFor(90, TimeUnit.SECONDS)) {
      p.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
      throw new AssertionError("easyremote " + String.join(" ", args) + " did not finish within 90 s: " + Files.readString(err));
    }
    return new Result(p.exitValue(), Files.readString(out), Files.readString(err));
  }

  /** Runs a short tool to completion and returns its stdout. */
  private static String run(String... command) throws Exception {
    Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
    byte[] output = p.getInputStream().readAllBytes();
    if (!p.waitFor(20, TimeUnit.SECONDS)) {
      p.destroyForcibly();
      throw new AssertionError(String.join(" ", command) + " did not finish");
    }
    String text = new String(output, StandardCharsets.UTF_8);
    if (p.exitValue() != 0 && !command[command.length - 1].equals("kill-server")) {
      throw new AssertionError(String.join(" ", command) + " failed (" + p.exitValue() + "): " + text);
    }
    return text;
  }
}
