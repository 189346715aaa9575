package io.easyremote.bench;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Collectors;

/**
 * CPU time of this JVM's threads, summed by kind of thread (the name with its numbers dropped:
 * {@code easyremote-gateway-io-3-1} and {@code -4-1} count as one kind). For scenarios that run
 * gateways, nodes and clients in one process: which threads a path's calls keep busy.
 */
final class ThreadCpu {
  private static final ThreadMXBean THREADS = ManagementFactory.getThreadMXBean();

  private final Map<Long, Long> lastByThread = new HashMap<>();
  private final Map<String, Long> totalByKind = new TreeMap<>();

  /** Starts counting from now. */
  ThreadCpu() {
    sample(false);
  }

  /** Adds the CPU spent since the last call (or the start) to the totals. */
  void add() {
    sample(true);
  }

  /** Forgets what was spent since the last call: time outside the path being measured. */
  void skip() {
    sample(false);
  }

  private void sample(boolean count) {
    for (long id : THREADS.getAllThreadIds()) {
      long cpu = THREADS.getThreadCpuTime(id);
      var info = THREADS.getThreadInfo(id);
      if (cpu < 0 || info == null) {
        continue;
      }
      Long before = lastByThread.put(id, cpu);
      if (count) {
        totalByKind.merge(kind(info.getThreadName()), cpu - (before == null ? 0 : before), Long::sum);
      }
    }
  }

  private static String kind(String threadName) {
    return threadName.replaceAll("[0-9]+", "#");
  }

  /** The total per call in µs, and the kinds that took at least {@code minMicros} per call, largest first. */
  String perCall(long calls, double minMicros) {
    double total = totalByKind.values().stream().mapToLong(Long::longValue).sum() / 1000.0 / calls;
    String kinds = totalByKind.entrySet().stream()
        .filter(e -> e.getValue() / 1000.0 / calls >= minMicros)
        .sorted((x, y) -> Long.compare(y.getValue(), x.getValue()))
        .map(e -> String.format(Locale.ROOT, "%s %.0f", e.getKey(), e.getValue() / 1000.0 / calls))
        .collect(Collectors.joining(", "));
    return String.format(Locale.ROOT, "%.0f µs (%s)", total, kinds);
  }
}
