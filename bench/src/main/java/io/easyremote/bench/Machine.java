package io.easyremote.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/** What the results were measured on: CPU, cores, memory, OS and JDK. */
final class Machine {
  private Machine() {}

  static Map<String, Object> describe() {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("cpu", firstValue(Path.of("/proc/cpuinfo"), "model name"));
    m.put("cores", Runtime.getRuntime().availableProcessors());
    String mem = firstValue(Path.of("/proc/meminfo"), "MemTotal");
    m.put("memoryGiB", mem == null ? null : Math.round(Long.parseLong(mem.replaceAll("[^0-9]", "")) / 1024.0 / 1024.0 * 10) / 10.0);
    m.put("os", System.getProperty("os.name") + " " + System.getProperty("os.version") + " " + System.getProperty("os.arch"));
    m.put("jdk", System.getProperty("java.vm.vendor") + " " + System.getProperty("java.runtime.version"));
    return m;
  }

  /** One line, e.g. {@code 2 cores (AMD EPYC …), 23.5 GiB, Linux …, JDK …}. */
  static String line(Map<String, Object> m) {
    return m.get("cores") + " cores (" + m.get("cpu") + "), " + m.get("memoryGiB") + " GiB, " + m.get("os") + ", JDK " + m.get("jdk");
  }

  private static String firstValue(Path file, String key) {
    try {
      for (String line : Files.readAllLines(file)) {
        if (line.startsWith(key)) {
          return line.substring(line.indexOf(':') + 1).trim();
        }
      }
    } catch (IOException e) {
      // not Linux
    }
    return null;
  }
}
