package io.easyremote.testing.http;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * Headless Chromium for the browser tests: loads one page in a fresh profile, returns its DOM, and
 * deletes the profile afterwards (each run leaves about 2 MB of profile behind otherwise).
 */
final class Chromium {
  private Chromium() {}

  /**
   * Loads {@code url}, lets its scripts run for {@code virtualMillis} of Chromium's virtual time and
   * returns the DOM it ends with; {@code extra} are more switches (a screenshot, a colour scheme).
   */
  static String dumpDom(String url, int virtualMillis, String... extra) throws Exception {
    Path profile = Files.createTempDirectory("chromium-profile");
    try {
      List<String> command = new ArrayList<>(List.of("chromium", "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
          "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync",
          "--user-data-dir=" + profile, "--virtual-time-budget=" + virtualMillis, "--dump-dom"));
      command.addAll(List.of(extra));
      command.add(url);
      Process process;
      try {
        process = new ProcessBuilder(command).redirectError(ProcessBuilder.Redirect.DISCARD).start();
      } catch (IOException e) {
        throw new AssertionError("chromium is missing: run scripts/install-test-deps.sh (it installs Debian's chromium package)", e);
      }
      String dom = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      assertThat(process.waitFor(60, TimeUnit.SECONDS)).as("chromium exited").isTrue();
      return dom;
    } finally {
      deleteTree(profile);
    }
  }

  private static void deleteTree(Path dir) throws IOException {
    try (Stream<Path> paths = Files.walk(dir)) {
      paths.sorted(Comparator.reverseOrder()).forEach(p -> {
        try {
          Files.deleteIfExists(p);
        } catch (IOException e) {
          throw new UncheckedIOException(e);
        }
      });
    }
  }
}
