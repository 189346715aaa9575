package io.easyremote.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The launcher's build step, on a copy of the script in a folder laid out as the repository, with
 * a stand-in {@code mvn} (it takes two seconds, notes when another build overlaps it, and writes
 * the jars) and a stand-in {@code java}: what the script does around the build, not Maven's build.
 */
class LauncherBuildIT {
  private static final Path LAUNCHER = Path.of("..", "easyremote").toAbsolutePath().normalize();

  @Test
  void commandsStartedTogetherOnChangedSources_buildOnce_theOthersWaitForThatBuild(@TempDir Path root) throws Exception {
    assumeTrue(Files.isExecutable(Path.of("/usr/bin/flock")), "the launcher serialises builds with util-linux's flock");
    Path repo = Files.createDirectories(root.resolve("repo"));
    Files.copy(LAUNCHER, repo.resolve("easyremote"), StandardCopyOption.COPY_ATTRIBUTES);
    Files.writeString(repo.resolve("pom.xml"), "<project/>\n");
    Path bin = Files.createDirectories(root.resolve("bin"));
    script(bin.resolve("mvn"), """
        #!/bin/bash
        # The launcher runs this in the repository's folder.
        mkdir .building 2>/dev/null || echo overlap >> overlaps
        sleep 2
        mkdir -p cli/target
        touch cli/target/easyremote.jar cli/target/easyremote-node.jar cli/target/easyremote-client.jar
        rmdir .building 2>/dev/null || true
        echo built >> builds
        """);
    Path jdk = Files.createDirectories(root.resolve("jdk"));
    Files.writeString(jdk.resolve("release"), "JAVA_RUNTIME_VERSION=\"17.0.15+6\"\n");
    script(Files.createDirectories(jdk.resolve("bin")).resolve("java"), "#!/bin/sh\nexit 0\n");

    List<Process> launched = new ArrayList<>();
    for (String command : List.of("gateway", "node", "keygen")) {
      ProcessBuilder builder = new ProcessBuilder(repo.resolve("easyremote").toString(), command).directory(root.toFile())
          .redirectErrorStream(true).redirectOutput(root.resolve(command + ".out").toFile());
      builder.environment().put("PATH", bin + ":" + System.getenv("PATH"));
      builder.environment().put("JAVA_HOME", jdk.toString());
      builder.environment().put("EASYREMOTE_CDS", "off");
      launched.add(builder.start());
    }
    try {
      for (Process p : launched) {
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).as("a launcher finished").isTrue();
      }
    } finally {
      launched.forEach(Process::destroyForcibly); // none is left running when one hangs
    }
    for (int i = 0; i < launched.size(); i++) {
      assertThat(launched.get(i).exitValue()).as(Files.readString(root.resolve(List.of("gateway", "node", "keygen").get(i) + ".out")))
          .isZero();
    }
    assertThat(repo.resolve("overlaps")).as("no build ran while another did").doesNotExist();
    assertThat(Files.readAllLines(repo.resolve("builds"))).as("the commands that waited found the jars built").containsExactly("built");
  }

  private static void script(Path file, String text) throws IOException {
    Files.writeString(file, text);
    Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rwxr-xr-x"));
  }
}
