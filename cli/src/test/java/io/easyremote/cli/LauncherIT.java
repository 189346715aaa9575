package io.easyremote.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.easyremote.gateway.Gateway;
import io.easyremote.node.ComputeNode;
import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The {@code easyremote} launcher script itself (the repository root's, on the jar this build
 * made): JVM options per role, and the class-data archives of client commands and of nodes. Runs the script on
 * the JDK running the tests.
 */
class LauncherIT {
  private static final Path LAUNCHER = Path.of("..", "easyremote").toAbsolutePath().normalize();
  private static final Path CDS = Path.of("target", "cds").toAbsolutePath();

  private Gateway gateway;
  private ComputeNode node;
  private Process running;

  @BeforeEach
  void startGatewayAndNode() throws Exception {
    // This build's package phase made the jar; the shade plugin leaves an unchanged one with its old
    // time, which the launcher would take for out of date (and rebuild, inside a test).
    for (String command : List.of("gateway", "node", "call")) { // the three jars
      Files.setLastModifiedTime(Path.of(Jvm.jarFor(command)), java.nio.file.attribute.FileTime.from(java.time.Instant.now()));
    }
    gateway = Gateway.builder().port(0).build().start();
    node = ComputeNode.builder().gateway(gateway.address()).id("launcher-node").register("echo", String.class, s -> s).build().start();
  }

  @AfterEach
  void stop() throws InterruptedException {
    if (running != null) {
      Jvm.stop(running);
    }
    node.close();
    gateway.close();
  }

  private record Run(int exit, String out, String err) {}

  private static ProcessBuilder launcher(Map<String, String> env, String... args) {
    return launcher(LAUNCHER.toString(), env, args);
  }

  /** The launcher started as {@code command} (a path to it, or to a link to it). */
  private static ProcessBuilder launcher(String command, Map<String, String> env, String... args) {
    ProcessBuilder builder = new ProcessBuilder(Stream.concat(Stream.of(command), Stream.of(args)).toList());
    builder.environment().keySet().removeIf(name -> name.startsWith("EASYREMOTE_") || name.equals("JAVA_OPTS"));
    String java = ProcessHandle.current().info().command().orElseThrow();
    builder.environment().put("JAVA_HOME", Path.of(java).getParent().getParent().toString());
    builder.environment().putAll(env);
    return builder;
  }

  private static Run run(String... args) throws Exception {
    return run(Map.of(), args);
  }

  private static Run run(Map<String, String> env, String... args) throws Exception {
    return run(launcher(env, args));
  }

  private static Run run(ProcessBuilder launcher) throws Exception {
    File out = File.createTempFile("launcher-out", ".txt");
    File err = File.createTempFile("launcher-err", ".txt");
    try {
      Process p = launcher.redirectOutput(out).redirectError(err).start();
      if (!p.waitFor(120, TimeUnit.SECONDS)) {
        p.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        throw new AssertionError(String.join(" ", launcher.command()) + " did not finish within 120 s");
      }
      return new Run(p.exitValue(), Files.readString(out.toPath()), Files.readString(err.toPath()));
    } finally {
      out.delete();
      err.delete();
    }
  }

  private static List<String> archives() throws Exception {
    if (!Files.isDirectory(CDS)) {
      return List.of();
    }
    try (Stream<Path> files = Files.list(CDS)) {
      return files.map(f -> f.getFileName().toString()).sorted().toList();
    }
  }

  @Test
  void clientCommand_firstAndLaterRuns_printOnlyTheResult_andKeepOneArchivePerJdk(@TempDir Path dir) throws Exception {
    if (Files.isDirectory(CDS)) {
      try (Stream<Path> files = Files.list(CDS)) {
        for (Path f : files.toList()) {
          Files.delete(f);
        }
      }
    }
    Run help = run("call", "--help");
    assertThat(help.exit()).as(help.err()).isZero();
    assertThat(archives()).as("a command that talks to no gateway records no archive: it would leave out the client's classes").isEmpty();

    Run first = run("call", "echo", "hi", "--gateway", gateway.address());
    assertThat(first.exit()).as(first.err()).isZero();
    assertThat(first.out()).isEqualTo("\"hi\"\n"); // no CDS notes on stdout, which carries results
    // JDK 25+: an AOT cache (classes linked ahead of time too); before: a static class-data archive.
    boolean aot = Runtime.version().feature() >= 25;
    assertThat(archives()).singleElement().satisfies(name -> assertThat(name).startsWith("client-").endsWith(aot ? ".aot" : ".jsa"));

    Path classes = dir.resolve("classes.log"); // not there yet: the JVM would keep an existing one as classes.log.0
    Run later = run(Map.of("JAVA_OPTS", "-Xlog:class+load:file=" + classes), "call", "echo", "hi", "--gateway", gateway.address());
    assertThat(later.exit()).as(later.err()).isZero();
    assertThat(later.out()).isEqualTo("\"hi\"\n");
    assertThat(later.err()).isEmpty();
    assertThat(archives()).hasSize(1);
    List<String> loaded = Files.readAllLines(classes);
    assertThat(loaded).anyMatch(line -> line.contains(" io.easyremote.client.Client source: shared objects file"));
    if (!aot) {
      // The static archive holds picocli's classes too (Java 5 class files, which the JVM's dynamic archive leaves out;
      // an AOT cache, which links what it holds, cannot take them either).
      assertThat(loaded).anyMatch(line -> line.contains(" picocli.CommandLine source: shared objects file"));
    }
  }

  @Test
  void throughALinkFromAnotherFolder_runsInTheCallersFolder_andMapsTheSameArchive(@TempDir Path dir) throws Exception {
    Run first = run("call", "echo", "hi", "--gateway", gateway.address()); // writes the archive unless a test before did
    assertThat(first.exit()).as(first.err()).isZero();
    List<String> archives = archives();
    assertThat(archives).isNotEmpty();

    // ~/bin/easyremote -> repo/easyremote, run as ./easyremote from there: the launcher finds the repository through
    // the link, and the JVM starts in the caller's folder, where picocli reads the @file of arguments.
    Files.createSymbolicLink(dir.resolve("easyremote"), LAUNCHER);
    Files.writeString(dir.resolve("call.args"), "echo there --gateway " + gateway.address());
    Path classes = dir.resolve("classes.log");
    ProcessBuilder linked = launcher("./easyremote", Map.of("JAVA_OPTS", "-Xlog:class+load:file=" + classes), "call", "@call.args")
        .directory(dir.toFile());
    Run run = run(linked);

    assertThat(run.exit()).as(run.err()).isZero();
    assertThat(run.out()).isEqualTo("\"there\"\n");
    assertThat(archives()).as("the same archive, not one for another path to the jar").isEqualTo(archives);
    assertThat(Files.readAllLines(classes)).anyMatch(line -> line.contains(" io.easyremote.client.Client source: shared objects file"));
  }

  @Test
  void clientCommand_takesHugePagesWhereTheKernelLeavesThemToMadvise_nodeDoesNot(@TempDir Path dir) throws Exception {
    Path thp = Path.of("/sys/kernel/mm/transparent_hugepage/enabled");
    boolean madvise = Files.isReadable(thp) && Files.readString(thp).contains("[madvise]");
    Path log = dir.resolve("gc.log");
    Run call = run(Map.of("JAVA_OPTS", "-Xlog:gc+init:file=" + log), "call", "echo", "hi", "--gateway", gateway.address());
    assertThat(call.exit()).as(call.err()).isZero();
    assertThat(call.out()).isEqualTo("\"hi\"\n");
    assertThat(Files.readString(log)).contains(madvise ? "Large Page Support: Enabled (Transparent)" : "Large Page Support: Disabled");

    startNode(Map.of(), "no-huge-pages");
    assertThat(List.of(running.info().arguments().orElseThrow()))
        .as("a node's idle memory would be rounded up to 2 MiB pages").doesNotContain("-XX:+UseTransparentHugePages");
  }

  @Test
  void nodeCommand_getsTheNodeOptions_thenJavaOpts_whichWin() throws Exception {
    startNode(Map.of("JAVA_OPTS", "-Xmx200m"), "launched");
    List<String> args = List.of(running.info().arguments().orElseThrow());
    String options = "@" + LAUNCHER.getParent().resolve("cli/jvm/node.options");
    assertThat(args).contains(options, "-Xmx200m");
    assertThat(args.indexOf("-Xmx200m")).isGreaterThan(args.indexOf(options));
    assertThat(args).as("a node runs from its own jar").contains(realPath(Jvm.jarFor("node")));
  }

  @Test
  void nodeAndClientCommands_runFromTheirSmallerJars_theOthersFromTheFullOne(@TempDir Path dir) throws Exception {
    int full;
    try (ZipFile zip = new ZipFile(Jvm.jarFor("gateway"))) {
      full = zip.size();
    }
    for (String command : List.of("node", "call")) {
      try (ZipFile zip = new ZipFile(Jvm.jarFor(command))) {
        assertThat(zip.size()).as(command + "'s jar").isLessThan(full / 2);
        assertThat(zip.stream().map(ZipEntry::getName)).as(command + "'s jar holds none of the gateway's libraries")
            .noneMatch(name -> name.startsWith("io/easyremote/gateway/") || name.startsWith("com/linecorp/armeria/")
                || name.startsWith("org/sqlite/") || name.startsWith("io/nats/"));
      }
    }
    // The launcher's list of client commands is the one the other integration tests run from the client jar.
    String listed = Files.readAllLines(LAUNCHER).stream().filter(line -> line.startsWith("client_commands=")).findFirst().orElseThrow();
    assertThat(Set.of(listed.replaceAll("^client_commands=\"|\"$", "").trim().split(" "))).isEqualTo(Jvm.CLIENT_COMMANDS);

    Path calls = dir.resolve("call.log");
    Run call = run(Map.of("EASYREMOTE_CDS", "off", "JAVA_OPTS", "-Xlog:class+load:file=" + calls), "call", "echo", "hi",
        "--gateway", gateway.address());
    assertThat(call.exit()).as(call.err()).isZero();
    assertThat(call.out()).isEqualTo("\"hi\"\n");
    assertThat(Files.readAllLines(calls)).anyMatch(line -> line.contains(" io.easyremote.client.Client source: ")
        && line.endsWith("/easyremote-client.jar"));

    Path usage = dir.resolve("usage.log");
    Run help = run(Map.of("EASYREMOTE_CDS", "off", "JAVA_OPTS", "-Xlog:class+load:file=" + usage), "--help");
    assertThat(help.exit()).as(help.err()).isZero();
    assertThat(help.out()).contains("gateway", "keygen", "call");
    assertThat(Files.readAllLines(usage)).anyMatch(line -> line.contains(" io.easyremote.cli.GatewayCommand source: ")
        && line.endsWith("/easyremote.jar"));
  }

  /** {@code path} with its links resolved, as the launcher names its jars. */
  private static String realPath(String path) throws java.io.IOException {
    return Path.of(path).toRealPath().toString();
  }

  @Test
  void nodeCommand_writesItsArchiveWhenItStops_notWhenItOnlyPrintsHelp_norForAJarRebuiltSince_andTheNextStartMapsIt(@TempDir Path dir)
      throws Exception {
    if (Files.isDirectory(CDS)) {
      try (Stream<Path> files = Files.list(CDS)) {
        for (Path f : files.filter(f -> f.getFileName().toString().startsWith("node-")).toList()) {
          Files.delete(f);
        }
      }
    }
    Run help = run("node", "--help");
    assertThat(help.exit()).as(help.err()).isZero();
    assertThat(archives()).as("a run that only prints its usage writes no archive: it would hold a fraction of a node's classes")
        .noneMatch(name -> name.startsWith("node-"));

    startNode(Map.of(), "first");
    // The jar is rebuilt while the node runs (a pull and a build): what the node writes as it stops fits the jar before.
    Files.setLastModifiedTime(Path.of(Jvm.jarFor("node")), java.nio.file.attribute.FileTime.from(java.time.Instant.now()));
    Jvm.stop(running); // the JVM writes the archive as it exits
    running = null;
    assertThat(archives()).anyMatch(name -> name.startsWith("node-"));

    Path before = dir.resolve("before.log");
    startNode(Map.of("JAVA_OPTS", "-Xlog:class+load:file=" + before), "second");
    Jvm.stop(running); // writes an archive for this jar, since it had none it could map
    running = null;
    assertThat(mapsTheNodeFromTheArchive(before)).as("the archive written for the jar before is not mapped").isFalse();

    Path classes = dir.resolve("classes.log");
    try {
      startNode(Map.of("JAVA_OPTS", "-Xlog:class+load:file=" + classes), "third");
      assertThat(List.of(running.info().arguments().orElseThrow())).anyMatch(arg -> arg.startsWith("-XX:SharedArchiveFile=")
          && arg.contains("/node-"));
      assertThat(mapsTheNodeFromTheArchive(classes)).as("the node's classes come from the archive the second run wrote").isTrue();
      assertThat(archives()).filteredOn(name -> name.startsWith("node-")).singleElement().satisfies(name -> assertThat(name).endsWith(".jsa"));
    } finally {
      Jvm.stop(running);
      running = null;
    }
  }

  /** Whether the class-loading log {@code log} shows the node's classes mapped from an archive. */
  private static boolean mapsTheNodeFromTheArchive(Path log) throws java.io.IOException {
    return Files.readAllLines(log).stream().anyMatch(line -> line.contains(" io.easyremote.node.ComputeNode source: shared objects file"));
  }

  private void startNode(Map<String, String> env, String id) throws Exception {
    running = launcher(env, "node", "--gateway", gateway.address(), "--id", id)
        .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
    Awaitility.await("the launched node " + id).atMost(java.time.Duration.ofSeconds(60))
        .until(() -> gateway.nodes().stream().anyMatch(n -> n.id().equals(id)));
  }
}
