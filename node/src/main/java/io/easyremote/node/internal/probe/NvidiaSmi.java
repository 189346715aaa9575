package io.easyremote.node.internal.probe;

import io.easyremote.protocol.NodeResources;
import java.io.BufferedReader;
import java.io.File;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
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

  /** Parses {@code name, util %, total MiB, free MiB} lines; malformed lines are skipped. */
  static List<NodeResources.Gpu> parse(List<String> lines) {
    List<NodeResources.Gpu> gpus = new ArrayList<>();
    for (String line : lines) {
      String[] f = line.split(",");
      if (f.length != 4) {
        continue;
      }
      try {
        gpus.add(new NodeResources.Gpu(f[0].trim(), Double.parseDouble(f[1].trim()) / 100.0,
            Long.parseLong(f[2].trim()) * MIB, Long.parseLong(f[3].trim()) * MIB));
      } catch (NumberFormatException e) {
        // "[N/A]" on some boards: skip rather than guess
      }
    }
    return gpus;
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
