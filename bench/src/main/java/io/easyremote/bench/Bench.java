package io.easyremote.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.easyremote.bench.child.ChildMain;
import io.easyremote.protocol.Version;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * The benchmark command ({@code scripts/bench}): starts a gateway, nodes and baselines on
 * 127.0.0.1, runs the scenarios, prints one Markdown report and writes it, with the same figures
 * as JSON, to {@code bench/results/<timestamp>.{md,json}}.
 */
@Command(name = "bench", mixinStandardHelpOptions = true, version = "easyremote bench " + Version.CURRENT,
    description = "Runs the EasyRemote benchmarks on 127.0.0.1 with same-run baselines (direct gRPC, NATS).")
public final class Bench implements Callable<Integer> {
  private static final List<String> ORDER = List.of("footprint", "latency", "throughput", "payload", "stream", "rest", "scale", "concurrency",
      "jobs", "fanout", "ledger", "directory", "paid", "forward");

  @Option(names = "--quick", description = "A short smoke run (about 2 minutes): fewer rounds, 1,000 simulated nodes.")
  boolean quick;

  @Option(names = "--only", split = ",", paramLabel = "SCENARIO",
      description = "Run only these: footprint, latency, throughput, payload, stream, rest, scale, concurrency, jobs, fanout, ledger, directory, paid, forward.")
  List<String> only = new ArrayList<>();

  @Option(names = "--out", paramLabel = "DIR", defaultValue = "bench/results", description = "Where the report goes (default: ${DEFAULT-VALUE}).")
  Path out;

  @Option(names = "--repo", paramLabel = "DIR", defaultValue = ".", description = "The repository root, for the CLI jar (default: ${DEFAULT-VALUE}).")
  Path repo;

  @Option(names = "--warmup", paramLabel = "SECONDS", description = "Warm-up per path before each scenario (default: 3, quick: 1).")
  Double warmupSeconds;

  @Option(names = "--gateway-jvm-option", paramLabel = "OPTION",
      description = "Extra JVM option for gateway processes (repeatable), e.g. -XX:StartFlightRecording=filename=gw.jfr.")
  List<String> gatewayJvmOptions = new ArrayList<>();

  @Option(names = "--node-jvm-option", paramLabel = "OPTION", description = "Extra JVM option for node processes (repeatable).")
  List<String> nodeJvmOptions = new ArrayList<>();

  @Option(names = "--launcher-jvm-options", negatable = true, defaultValue = "true", fallbackValue = "true",
      description = "Start the gateway and node with the launcher's JVM options, cli/jvm/{gateway,node}.options, as ./easyremote does "
          + "(default); --no-launcher-jvm-options: the JVM's own defaults.")
  boolean launcherJvmOptions;

  /** Runs the command line and exits with its status. */
  public static void main(String[] args) {
    if (System.getProperty("org.slf4j.simpleLogger.defaultLogLevel") == null) {
      System.setProperty("org.slf4j.simpleLogger.defaultLogLevel", "warn");
    }
    ChildMain.useClientsGrpcNettySettings(); // the direct gRPC callers' too
    System.exit(new CommandLine(new Bench()).execute(args));
  }

  @Override
  public Integer call() throws Exception {
    for (String id : only) {
      if (!ORDER.contains(id)) {
        throw new CommandLine.ParameterException(new CommandLine(this), "Unknown scenario '" + id + "'; choose from " + ORDER + ".");
      }
    }
    Instant started = Instant.now();
    String stamp = DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss").withZone(ZoneOffset.UTC).format(started);
    Path root = repo.toAbsolutePath().normalize();
    Settings settings = Settings.of(quick, root, out.resolve("logs-" + stamp), withLauncherOptions(root, "gateway", gatewayJvmOptions),
        withLauncherOptions(root, "node", nodeJvmOptions));
    if (warmupSeconds != null) {
      settings = settings.withWarmup(java.time.Duration.ofMillis((long) (warmupSeconds * 1000)));
    }
    Map<String, Object> machine = Machine.describe();
    String command = "scripts/bench" + (quick ? " --quick" : "") + (only.isEmpty() ? "" : " --only " + String.join(",", only))
        + (launcherJvmOptions ? "" : " --no-launcher-jvm-options");
    System.out.println("# EasyRemote benchmarks\n\n" + DateTimeFormatter.ISO_INSTANT.format(started.truncatedTo(java.time.temporal.ChronoUnit.SECONDS))
        + " · " + Machine.line(machine) + " · `" + command + "`\n");

    List<Scenario> scenarios = new ArrayList<>(List.of(new FootprintScenario(), new LatencyScenario(), new ThroughputScenario(),
        new PayloadScenario(), new StreamScenario(), new RestScenario(), new ScaleScenario(), new ConcurrencyScenario(), new JobsScenario(),
        new FanOutScenario(), new LedgerScenario(), new DirectoryScenario(), new PaidScenario(), new ForwardScenario()));
    scenarios.removeIf(s -> !only.isEmpty() && !only.contains(s.id()));
    List<Section> sections = new ArrayList<>();
    try (Lab lab = Lab.start(settings)) {
      if (scenarios.stream().anyMatch(s -> !List.of("scale", "concurrency", "jobs", "fanout", "ledger", "directory", "paid", "forward")
          .contains(s.id()))) {
        System.out.printf("Warming up the JIT of every process (%d s on the relayed path)...%n%n", settings.jitWarmup().toSeconds());
        lab.warmUp(settings);
      }
      for (Scenario scenario : scenarios) {
        long t0 = System.nanoTime();
        Section section;
        try {
          section = scenario.run(lab, settings);
        } catch (Exception e) {
          section = new Section(scenario.id(), scenario.id() + ": FAILED").fail(e.toString());
          e.printStackTrace();
        }
        section.note(String.format(java.util.Locale.ROOT, "(took %.0f s)", (System.nanoTime() - t0) / 1e9));
        sections.add(section);
        System.out.print(section.markdown());
        System.out.flush();
      }
    }
    double seconds = java.time.Duration.between(started, Instant.now()).toMillis() / 1000.0;
    writeResults(stamp, started, machine, command, sections, seconds);
    System.out.printf(java.util.Locale.ROOT, "Done in %.0f s: %s.{md,json}%n", seconds, out.resolve(stamp));
    return sections.stream().anyMatch(s -> s.failed) ? 1 : 0;
  }

  /**
   * The launcher's options file for {@code role} as an {@code @argfile} (when it exists and
   * {@code --launcher-jvm-options} is on), then {@code extra}: later options win, so extras can
   * override a default.
   */
  private List<String> withLauncherOptions(Path root, String role, List<String> extra) {
    List<String> options = new ArrayList<>();
    Path file = root.resolve("cli/jvm/" + role + ".options");
    if (launcherJvmOptions && Files.isRegularFile(file)) {
      options.add("@" + file);
      if (hasVmOption("TrimNativeHeapInterval")) { // ./easyremote adds it where the JVM knows it (17.0.9+, 21.0.1+)
        options.add("-XX:TrimNativeHeapInterval=10000");
      }
    }
    options.addAll(extra);
    return options;
  }

  /** Whether this JVM (the one every child runs on) knows the HotSpot option {@code name}. */
  private static boolean hasVmOption(String name) {
    try {
      java.lang.management.ManagementFactory.getPlatformMXBean(com.sun.management.HotSpotDiagnosticMXBean.class).getVMOption(name);
      return true;
    } catch (IllegalArgumentException e) {
      return false;
    }
  }

  private void writeResults(String stamp, Instant started, Map<String, Object> machine, String command, List<Section> sections,
      double seconds) throws Exception {
    Files.createDirectories(out);
    StringBuilder md = new StringBuilder("# EasyRemote benchmarks\n\n")
        .append(DateTimeFormatter.ISO_INSTANT.format(started.truncatedTo(java.time.temporal.ChronoUnit.SECONDS)))
        .append(" · ").append(Machine.line(machine)).append(" · `").append(command).append("`\n\n");
    sections.forEach(s -> md.append(s.markdown()));
    Files.writeString(out.resolve(stamp + ".md"), md);
    Map<String, Object> json = new LinkedHashMap<>();
    json.put("date", started.toString());
    json.put("command", command);
    json.put("mode", quick ? "quick" : "default");
    json.put("seconds", seconds);
    json.put("machine", machine);
    List<Map<String, Object>> list = new ArrayList<>();
    for (Section s : sections) {
      Map<String, Object> m = new LinkedHashMap<>();
      m.put("id", s.id);
      m.put("title", s.title);
      m.put("columns", s.columns);
      m.put("rows", s.rows);
      m.put("notes", s.notes);
      m.put("failed", s.failed);
      list.add(m);
    }
    json.put("scenarios", list);
    new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValue(out.resolve(stamp + ".json").toFile(), json);
  }
}
