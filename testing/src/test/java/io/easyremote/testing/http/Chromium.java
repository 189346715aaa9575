package io.easyremote.testing.http;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Headless Chromium for the browser tests: loads one page in a fresh profile and returns its DOM.
 * The profiles (about 2 MB each) go under a directory the test owns, a JUnit {@code @TempDir}, which
 * JUnit deletes.
 */
final class Chromium {
  private Chromium() {}

  /**
   * Loads {@code url} with a new profile under {@code profiles}, lets its scripts run for
   * {@code virtualMillis} of Chromium's virtual time and returns the DOM it ends with; {@code extra}
   * are more switches (a screenshot, a colour scheme).
   */
  static String dumpDom(Path profiles, String url, int virtualMillis, String... extra) throws Exception {
    Path profile = Files.createTempDirectory(profiles, "chromium-profile");
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
  }
}
