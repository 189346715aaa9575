package io.easyremote.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** What Linux says about a process: resident memory and CPU time, read from {@code /proc}. */
final class Procs {
  private static final long TICKS_PER_SECOND = 100; // USER_HZ, 100 on every Linux this runs on

  private Procs() {}

  /** Resident set size in bytes, or -1 where {@code /proc} is not available. */
  static long rssBytes(long pid) {
    try {
      for (String line : Files.readAllLines(Path.of("/proc/" + pid + "/status"))) {
        if (line.startsWith("VmRSS:")) {
          return Long.parseLong(line.replaceAll("[^0-9]", "")) * 1024;
        }
      }
    } catch (IOException | RuntimeException e) {
      // not Linux, or the process is gone
    }
    return -1;
  }

  /** The summed CPU time of {@code pids} in nanoseconds (see {@link #cpuNanos}). */
  static long cpuNanos(long... pids) {
    long sum = 0;
    for (long pid : pids) {
      sum += Math.max(0, cpuNanos(pid));
    }
    return sum;
  }

  /** User plus system CPU time in nanoseconds, or -1 where {@code /proc} is not available. */
  static long cpuNanos(long pid) {
    try {
      String stat = Files.readString(Path.of("/proc/" + pid + "/stat"));
      String[] fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
      long ticks = Long.parseLong(fields[11]) + Long.parseLong(fields[12]); // utime, stime (fields 14 and 15)
      return ticks * 1_000_000_000L / TICKS_PER_SECOND;
    } catch (IOException | RuntimeException e) {
      return -1;
    }
  }

  /**
   * The summed CPU time in nanoseconds of {@code pid}'s threads whose name starts with {@code prefix}
   * (Linux keeps the first 15 characters), or -1 where {@code /proc} is not available.
   */
  static long threadCpuNanos(long pid, String prefix) {
    String shown = prefix.length() > 15 ? prefix.substring(0, 15) : prefix;
    try (java.util.stream.Stream<Path> tasks = Files.list(Path.of("/proc/" + pid + "/task"))) {
      long sum = 0;
      for (Path task : (Iterable<Path>) tasks::iterator) {
        try {
          if (Files.readString(task.resolve("comm")).strip().startsWith(shown)) {
            String stat = Files.readString(task.resolve("stat"));
            String[] fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
            sum += (Long.parseLong(fields[11]) + Long.parseLong(fields[12])) * 1_000_000_000L / TICKS_PER_SECOND;
          }
        } catch (IOException | RuntimeException e) {
          // the thread ended meanwhile
        }
      }
      return sum;
    } catch (IOException | RuntimeException e) {
      return -1;
    }
  }
}
