package io.easyremote.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.easyremote.client.CallOptions;
import io.easyremote.client.Client;
import io.easyremote.client.FanOut;
import io.easyremote.client.MapRun;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.AbstractCollection;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code easyremote map}: runs a function over every line of a JSON-lines file across all the
 * nodes offering it, printing the results as JSON lines in input order with a live progress bar on
 * stderr.
 */
@Command(name = "map", description = {
    "Runs a function once per line of a JSON-lines file, spread over every node offering it.",
    "Each line is a JSON array of arguments ([1, 2]); any other JSON value is a single argument.",
    "Prints one JSON line per input, in input order: the result, or {\"error\": {...}, \"line\": N, \"input\": [...]}.",
    "Shows progress on stderr: a live bar on a terminal, plain lines otherwise. Exit 1 when an item failed."})
final class MapCommand implements Callable<Integer> {
  @Spec
  CommandSpec spec;

  @Mixin
  ClientConnection gateway;

  @Parameters(index = "0", paramLabel = "FUNCTION", description = "The function name.")
  String function;

  @Parameters(index = "1", paramLabel = "INPUTS.jsonl", description = "The inputs, one JSON line per call; - reads stdin.")
  String inputs;

  @Option(names = "--parallel", paramLabel = "N", defaultValue = "0",
      description = "Calls in flight at most (default: the free capacity the gateway reports).")
  int parallel;

  @Option(names = "--require", paramLabel = "LABEL=VALUE", description = "Only nodes with this label (repeatable; VALUE * = any).")
  List<String> require = new ArrayList<>();

  @Option(names = "--fail-fast", description = "Stop at the first item that fails (default: report it and go on).")
  boolean failFast;

  @Option(names = "--timeout", paramLabel = "DURATION", defaultValue = "30s", converter = Durations.class,
      description = "Deadline of each call (default: ${DEFAULT-VALUE}).")
  Duration timeout;

  @Option(names = "--progress", paramLabel = "MODE", defaultValue = "auto",
      description = "auto (a bar on a terminal, else lines), bar, lines or none (default: ${DEFAULT-VALUE}).")
  String progress;

  @Option(names = "--progress-every", paramLabel = "DURATION", converter = Durations.class,
      description = "How often progress is shown (default: 200ms for the bar, 5s for lines).")
  Duration progressEvery;

  @Override
  public Integer call() throws Exception {
    ProgressView.Mode mode = mode(progress);
    CallOptions.Builder options = CallOptions.builder();
    for (String r : require) {
      int eq = r.indexOf('=');
      if (eq <= 0) {
        throw new IllegalArgumentException("--require must be LABEL=VALUE (VALUE * = any), got '" + r + "'");
      }
      options.require(r.substring(0, eq), r.substring(eq + 1));
    }
    Inputs lines = Inputs.open(inputs);
    ProgressView view = new ProgressView(System.err, function, mode);
    FanOut.Builder fanOut = FanOut.builder().window(parallel).failFast(failFast);
    if (mode != ProgressView.Mode.NONE) {
      fanOut.onProgress(view::show)
          .progressEvery(progressEvery != null ? progressEvery : view.isBar() ? Duration.ofMillis(200) : Duration.ofSeconds(5));
    }
    PrintStream out = System.out;
    try (Client root = gateway.connect(timeout, spec.commandLine().getErr());
         MapRun<JsonNode> run = root.withOptions(options.build()).map(function, JsonNode.class, lines.forMap(), fanOut.build())) {
      for (MapRun.Item<JsonNode> item : run) {
        out.println(item.ok() ? CliJson.mapper().writeValueAsString(item.value()) : errorLine(item, lines.lineOf(item.index())));
      }
      out.flush();
      List<MapRun.Item<JsonNode>> failed = run.errors();
      if (!failed.isEmpty()) {
        System.err.println(failed.size() + " of " + run.progress().completed() + " items failed:");
        for (MapRun.Item<JsonNode> item : failed.subList(0, Math.min(20, failed.size()))) {
          System.err.println("  line " + lines.lineOf(item.index()) + " " + CliJson.mapper().writeValueAsString(item.args()) + ": "
              + Main.describe(item.error()));
        }
        if (failed.size() > 20) {
          System.err.println("  and " + (failed.size() - 20) + " more (their lines on stdout carry \"error\")");
        }
        return Main.REMOTE_ERROR;
      }
      return Main.OK;
    } finally {
      lines.close();
    }
  }

  private static ProgressView.Mode mode(String text) {
    try {
      return ProgressView.Mode.valueOf(text.toUpperCase(java.util.Locale.ROOT));
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("--progress must be auto, bar, lines or none, got '" + text + "'");
    }
  }

  private static String errorLine(MapRun.Item<JsonNode> item, long line) throws IOException {
    ObjectNode json = CliJson.mapper().createObjectNode();
    ObjectNode error = json.putObject("error");
    error.put("code", item.error().code().name());
    error.put("message", item.error().getMessage());
    if (item.nodeId() != null) {
      error.put("nodeId", item.nodeId());
    }
    json.put("line", line);
    json.set("input", CliJson.mapper().valueToTree(item.args()));
    return CliJson.mapper().writeValueAsString(json);
  }

  /**
   * The input lines as argument lists, read lazily; counted first when they come from a file, so
   * the progress knows the total. Remembers the line number of each item for error reports.
   */
  static final class Inputs implements Iterable<List<?>>, AutoCloseable {
    private final Path file;
    private final int count;
    private final List<Integer> lineNumbers = new ArrayList<>();
    private final BufferedReader reader;

    private Inputs(Path file, int count, BufferedReader reader) {
      this.file = file;
      this.count = count;
      this.reader = reader;
    }

    static Inputs open(String name) throws IOException {
      if (name.equals("-")) {
        return new Inputs(null, -1, new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8)));
      }
      Path file = Path.of(name);
      if (!Files.isReadable(file)) {
        throw new IllegalArgumentException("Cannot read the inputs file " + name);
      }
      int count = 0;
      try (BufferedReader lines = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
        for (String line = lines.readLine(); line != null; line = lines.readLine()) {
          if (!line.isBlank()) {
            count++;
          }
        }
      }
      return new Inputs(file, count, Files.newBufferedReader(file, StandardCharsets.UTF_8));
    }

    /** The inputs for the map: a collection of known size when they come from a file, so the progress has a total. */
    Iterable<List<?>> forMap() {
      if (count < 0) {
        return this;
      }
      return new AbstractCollection<>() {
        @Override
        public Iterator<List<?>> iterator() {
          return Inputs.this.iterator();
        }

        @Override
        public int size() {
          return count;
        }
      };
    }

    /** The 1-based line of item {@code index}. */
    synchronized long lineOf(long index) {
      return index < lineNumbers.size() ? lineNumbers.get((int) index) : -1;
    }

    @Override
    public Iterator<List<?>> iterator() {
      return new Iterator<>() {
        private int lineNumber;
        private List<?> next;

        @Override
        public boolean hasNext() {
          if (next != null) {
            return true;
          }
          try {
            for (String line = reader.readLine(); line != null; line = reader.readLine()) {
              lineNumber++;
              if (!line.isBlank()) {
                next = args(line);
                synchronized (Inputs.this) {
                  lineNumbers.add(lineNumber);
                }
                return true;
              }
            }
            return false;
          } catch (IOException e) {
            throw new UncheckedIOException("Cannot read " + (file == null ? "stdin" : file.toString()), e);
          }
        }

        @Override
        public List<?> next() {
          if (!hasNext()) {
            throw new NoSuchElementException();
          }
          List<?> args = next;
          next = null;
          return args;
        }

        private List<?> args(String line) {
          JsonNode json;
          try {
            json = CliJson.mapper().readTree(line);
          } catch (IOException e) {
            throw new IllegalArgumentException("line " + lineNumber + " is not JSON: " + line.strip());
          }
          if (json.isArray()) {
            List<JsonNode> args = new ArrayList<>();
            json.forEach(args::add);
            return args;
          }
          return List.of(json);
        }
      };
    }

    @Override
    public void close() throws IOException {
      reader.close();
    }
  }
}
