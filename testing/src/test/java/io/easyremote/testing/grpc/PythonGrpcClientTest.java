package io.easyremote.testing.grpc;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.easyremote.testing.SampleFunctions;
import io.easyremote.testing.TestCluster;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * A Python grpcio client (Debian's python3-grpcio; stubs generated here by grpc_tools.protoc from
 * our .proto file and the standard health.proto) against a real gateway and node: it calls
 * {@code add}, streams 1,000 items with one request and a half-close, reads error codes, runs a
 * grpc.health.v1 check, gets UNIMPLEMENTED for a made-up method, and cancels and times out calls
 * without grpc-core reporting a malformed frame.
 */
class PythonGrpcClientTest {
  private static final String INSTALL = "run scripts/install-test-deps.sh (it installs Debian's python3-grpcio and python3-grpc-tools)";

  @RegisterExtension
  static final TestCluster cluster = TestCluster.builder()
      .node("py-node", n -> n.register(new SampleFunctions("py-node")).maxConcurrency(32))
      .build();

  @TempDir
  Path work;

  /** Debian's packages install for the system interpreter; a pyenv or venv python3 first on PATH would not see them. */
  private static String python() {
    return Files.isExecutable(Path.of("/usr/bin/python3")) ? "/usr/bin/python3" : "python3";
  }

  @Test
  void pythonGrpcio_callsStreamsErrorsHealthAndUnimplemented_likeAnyGrpcServer() throws Exception {
    Path protos = work.resolve("proto");
    Path source = Path.of("..", "protocol", "src", "main", "proto").toAbsolutePath().normalize();
    try (Stream<Path> files = Files.walk(source)) {
      for (Path file : files.filter(f -> f.toString().endsWith(".proto")).toList()) {
        Path target = protos.resolve(source.relativize(file).toString());
        Files.createDirectories(target.getParent());
        // Debian bookworm's grpc-tools (1.14, protoc 3.5) predates proto3 `optional` (field presence,
        // protoc 3.15+); without the label a field is encoded the same, only its presence is not tracked.
        Files.writeString(target, Files.readString(file).replaceAll("(?m)^(\\s*)optional\\s+", "$1"));
      }
    }
    // The standard health.proto, as grpc-services ships it (its package, grpc.health.v1, is what counts;
    // its own path would collide with the grpc Python package).
    Files.createDirectories(protos.resolve("healthcheck"));
    try (InputStream health = getClass().getClassLoader().getResourceAsStream("grpc/health/v1/health.proto")) {
      assertThat(health).as("grpc/health/v1/health.proto from grpc-services").isNotNull();
      Files.copy(health, protos.resolve("healthcheck/health.proto"));
    }
    Path stubs = Files.createDirectories(work.resolve("stubs"));
    run(List.of(python(), "-m", "grpc_tools.protoc", "-I" + protos, "--python_out=" + stubs, "--grpc_python_out=" + stubs,
        "easyremote/v1/easyremote.proto", "healthcheck/health.proto"));

    Path script = work.resolve("grpc_client.py");
    try (InputStream in = getClass().getResourceAsStream("/python/grpc_client.py")) {
      Files.copy(in, script);
    }
    Result result = run(List.of(python(), script.toString(), cluster.address(), stubs.toString()));
    JsonNode seen = new ObjectMapper().readTree(result.stdout);

    assertThat(seen.get("add").asInt()).isEqualTo(42);
    assertThat(seen.get("add_node").asText()).isEqualTo("py-node");
    assertThat(seen.get("stream_items").asInt()).isEqualTo(1000);
    assertThat(seen.get("stream_in_order").asBoolean()).isTrue();
    assertThat(seen.get("stream_end_count").asInt()).isEqualTo(1000);
    assertThat(seen.get("stream_end_error").asBoolean()).isFalse();
    assertThat(seen.get("fail_code").asText()).isEqualTo("FUNCTION_FAILED");
    assertThat(seen.get("fail_message").asText()).contains("boom");
    assertThat(seen.get("missing_code").asText()).isEqualTo("FUNCTION_NOT_FOUND");
    assertThat(seen.get("health").asText()).isEqualTo("SERVING");
    assertThat(seen.get("health_gateway").asText()).isEqualTo("SERVING");
    assertThat(seen.get("made_up").asText()).isEqualTo("UNIMPLEMENTED");
    assertThat(seen.get("timeout_codes").toString()).isEqualTo("[\"DEADLINE_EXCEEDED\"]");
    // grpc-core logs a frame it cannot parse (such as an HTTP 500 text/plain after a reset) as "E<date> ... Error parsing ...".
    assertThat(result.stderr.lines().filter(line -> line.matches("^E\\d{4} .*")).toList()).as("grpc-core errors").isEmpty();
  }

  private record Result(String stdout, String stderr) {}

  private static Result run(List<String> command) throws Exception {
    Process process;
    try {
      process = new ProcessBuilder(command).start();
    } catch (IOException e) {
      throw new AssertionError(command.get(0) + " is missing: " + INSTALL, e);
    }
    CompletableFuture<String> err = CompletableFuture.supplyAsync(() -> read(process.getErrorStream()));
    String out = read(process.getInputStream());
    assertThat(process.waitFor(90, TimeUnit.SECONDS)).as("python finished").isTrue();
    String stderr = err.get(5, TimeUnit.SECONDS);
    if (process.exitValue() != 0) {
      throw new AssertionError(String.join(" ", command) + " failed (exit " + process.exitValue() + "): " + stderr
          + (stderr.contains("No module named") ? "\n" + INSTALL : ""));
    }
    return new Result(out, stderr);
  }

  private static String read(InputStream in) {
    try {
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }
}
