package io.easyremote.cli;

import io.easyremote.client.MapRun;
import java.io.IOException;
import java.io.PrintStream;
import java.time.Duration;
import java.util.Locale;
import java.util.Map;
import java.util.StringJoiner;
import java.util.concurrent.TimeUnit;

/**
 * Shows a map's progress on stderr: on a terminal, a bar redrawn in place (two lines: the bar with
 * counts, rate and ETA, then each node's rate); elsewhere, a plain line every few seconds and one at
 * the end. Called from the map's own thread only.
 */
final class ProgressView {
  /** How the progress is shown. */
  enum Mode {
    /** A bar when stderr is a terminal, else plain lines. */
    AUTO,
    /** A bar redrawn in place, with ANSI cursor movements. */
    BAR,
    /** A plain line every {@code --progress-every}, for logs and pipes. */
    LINES,
    /** Nothing. */
    NONE
  }

  private static final int BAR_WIDTH = 30;
  private final PrintStream err;
  private final String function;
  private final boolean bar;
  private final int columns;
  private final String indent;
  private boolean drawn;

  ProgressView(PrintStream err, String function, Mode mode) {
    this(err, function, mode, "");
  }

  /** With {@code indent} before each plain line (the demo's layout). */
  ProgressView(PrintStream err, String function, Mode mode, String indent) {
    this.err = err;
    this.function = function;
    this.bar = mode == Mode.BAR || (mode == Mode.AUTO && stderrIsTerminal());
    this.columns = columns();
    this.indent = indent;
  }

  boolean isBar() {
    return bar;
  }

  /** Shows one snapshot. */
  void show(MapRun.Progress p) {
    if (bar) {
      String first = fit(barLine(p));
      String second = fit("  " + nodes(p));
      if (drawn) {
        err.print("\r\033[2K\033[1A\r\033[2K");
      }
      err.print(first + "\n" + second);
      if (p.finished()) {
        err.print("\n");
      }
      drawn = true;
    } else {
      err.print(indent + plainLine(p) + "\n");
    }
    err.flush();
  }

  String barLine(MapRun.Progress p) {
    long done = p.completed();
    double share = p.total() > 0 ? Math.min(1, (double) done / p.total()) : p.finished() ? 1 : 0;
    int filled = (int) Math.round(share * BAR_WIDTH);
    String total = p.total() >= 0 ? String.format(Locale.ROOT, "%,d", p.total()) : "?";
    return String.format(Locale.ROOT, "%s [%s%s] %,d/%s %3d%%  ok %,d  failed %,d  in flight %,d  %,.0f/s  %s",
        function, "#".repeat(filled), ".".repeat(BAR_WIDTH - filled), done, total, Math.round(share * 100), p.succeeded(), p.failed(),
        p.inFlight(), p.itemsPerSecond(), ending(p));
  }

  String plainLine(MapRun.Progress p) {
    String total = p.total() >= 0 ? String.format(Locale.ROOT, "%,d", p.total()) : "?";
    String share = p.total() > 0 ? String.format(Locale.ROOT, " (%d%%)", Math.round(100.0 * p.completed() / p.total())) : "";
    return String.format(Locale.ROOT, "map %s: %,d/%s%s, ok %,d, failed %,d, in flight %,d, %,.0f items/s, %s; %s", function,
        p.completed(), total, share, p.succeeded(), p.failed(), p.inFlight(), p.itemsPerSecond(), ending(p), nodes(p));
  }

  private static String ending(MapRun.Progress p) {
    return switch (p.state()) {
      case RUNNING -> "ETA " + (p.eta() == null ? "?" : clock(p.eta()));
      case DONE -> "done in " + clock(p.elapsed());
      case FAILED -> "stopped after " + clock(p.elapsed());
      case CANCELLED -> "cancelled after " + clock(p.elapsed());
    };
  }

  private static String nodes(MapRun.Progress p) {
    if (p.perNode().isEmpty()) {
      return "nodes: none yet";
    }
    StringJoiner joiner = new StringJoiner(", ", "nodes: ", "");
    for (Map.Entry<String, Long> node : p.perNode().entrySet()) {
      joiner.add(String.format(Locale.ROOT, "%s %,.0f/s (%,d)", node.getKey(), p.perNodeRate().getOrDefault(node.getKey(), 0.0),
          node.getValue()));
    }
    return joiner.toString();
  }

  /** {@code 0:07}, {@code 12:30}, {@code 1:02:03}. */
  static String clock(Duration d) {
    long s = (d.toMillis() + 999) / 1000;
    return s >= 3600 ? String.format(Locale.ROOT, "%d:%02d:%02d", s / 3600, s / 60 % 60, s % 60)
        : String.format(Locale.ROOT, "%d:%02d", s / 60, s % 60);
  }

  private String fit(String line) {
    return line.length() < columns ? line : line.substring(0, Math.max(1, columns - 2)) + "~";
  }

  private static int columns() {
    String env = System.getenv("COLUMNS");
    try {
      return env == null ? 120 : Math.max(20, Integer.parseInt(env.trim()));
    } catch (NumberFormatException e) {
      return 120;
    }
  }

  /**
   * Whether this process's stderr is a terminal: asks {@code sh -c 'test -t 2'} with stderr
   * inherited (Java has no portable way to ask). False on a dumb terminal, or without {@code sh}.
   */
  static boolean stderrIsTerminal() {
    if ("dumb".equals(System.getenv("TERM"))) {
      return false;
    }
    try {
      Process test = new ProcessBuilder("sh", "-c", "test -t 2").redirectError(ProcessBuilder.Redirect.INHERIT)
          .redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
      return test.waitFor(5, TimeUnit.SECONDS) && test.exitValue() == 0;
    } catch (IOException e) {
      return false;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    }
  }
}
