package io.easyremote.node.internal.probe;

import io.easyremote.protocol.NodeResources;
import java.io.BufferedReader;
import java.io.File;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalDouble;
import java.util.concurrent.TimeUnit;

/** Reads GPU figures from {@code nvidia-smi} when it is on the PATH; an empty list otherwise. */
final class NvidiaSmi {
  private static final long MIB = 1 << 20;
  private final String executable = find();

  List<NodeResources.Gpu> query() {
    if (executable == null) {
      return List.of();
    }
    try {
      Process process = new ProcessBuilder(executable, "--query-gpu=name,utilization.gpu,memory.total,memory.free",
          "--format=csv,noheader,nounits").redirectErrorStream(true).start();
      List<String> lines = new ArrayList<>();
      try (BufferedReader out = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
        for (String line; (line = out.readLine()) != null; ) {
          lines.add(line);
        }
      }
      if (!process.waitFor(2, TimeUnit.SECONDS) || process.exitValue() != 0) {
        process.destroyForcibly();
        return List.of();
      }
      return parse(lines);
    } catch (IOException e) {
      return List.of();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return List.of();
    }
  }

  /**
   * Parses {@code name, util %, total MiB, free MiB} lines. A figure the driver cannot tell
   * ({@code [N/A]}, {@code [Not Supported]}, anything not a number) is unknown, and the GPU is
   * kept with what is known: utilisation empty, memory 0. Lines without four fields or a name are
   * skipped.
   */
  static List<NodeResources.Gpu> parse(List<String> lines) {
    List<NodeResources.Gpu> gpus = new ArrayList<>();
    for (String line : lines) {
      String[] f = line.split(",");
      if (f.length != 4 || f[0].isBlank()) {
        continue;
      }
      OptionalDouble percent = number(f[1]);
      OptionalDouble total = number(f[2]);
      OptionalDouble free = number(f[3]);
      gpus.add(new NodeResources.Gpu(f[0].trim(),
          percent.isPresent() ? OptionalDouble.of(Math.max(0, Math.min(1, percent.getAsDouble() / 100.0))) : OptionalDouble.empty(),
          mib(total), mib(free)));
    }
    return gpus;
  }

  /** A finite, non-negative number, or empty. */
  private static OptionalDouble number(String field) {
    try {
      double value = Double.parseDouble(field.trim());
      return Double.isFinite(value) && value >= 0 ? OptionalDouble.of(value) : OptionalDouble.empty();
    } catch (NumberFormatException e) {
      return OptionalDouble.empty();
    }
  }

  private static long mib(OptionalDouble value) {
    return value.isPresent() ? (long) value.getAsDouble() * MIB : 0;
  }

  private static String find() {
    String path = System.getenv("PATH");
    if (path == null) {
      return null;
    }
    for (String dir : path.split(File.pathSeparator)) {
      File candidate = new File(dir, "nvidia-smi");
      if (candidate.canExecute()) {
        return candidate.getPath();
      }
    }
    return null;
  }
}
