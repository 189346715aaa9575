package io.easyremote.testing.http;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * The official MCP TypeScript SDK client in a Node.js process ({@code scripts/mcp-client.mjs}),
 * driven one command at a time; every answer is one JSON line, awaited with a bound.
 */
final class McpClientProcess implements AutoCloseable {
  private final Process process;
  private final PrintWriter in;
  private final BlockingQueue<String> lines = new LinkedBlockingQueue<>();
  private final StringBuilder stderr = new StringBuilder();

  private McpClientProcess(Process process) {
    this.process = process;
    this.in = new PrintWriter(process.getOutputStream(), true, StandardCharsets.UTF_8);
    Thread reader = new Thread(() -> {
      try (BufferedReader r = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
        for (String line; (line = r.readLine()) != null; ) {
          lines.add(line);
        }
      } catch (java.io.IOException e) {
        // process gone
      }
    }, "mcp-client-stdout");
    reader.setDaemon(true);
    reader.start();
    Thread errors = new Thread(() -> {
      try (BufferedReader r = new BufferedReader(new InputStreamReader(process.getErrorStream(), StandardCharsets.UTF_8))) {
        for (String line; (line = r.readLine()) != null; ) {
          synchronized (stderr) {
            stderr.append(line).append('\n');
          }
        }
      } catch (java.io.IOException e) {
        // process gone
      }
    }, "mcp-client-stderr");
    errors.setDaemon(true);
    errors.start();
  }

  static McpClientProcess start() throws Exception {
    Path root = Path.of("").toAbsolutePath();
    while (root != null && !Files.exists(root.resolve("scripts/mcp-client.mjs"))) {
      root = root.getParent();
    }
    assertThat(root).as("scripts/mcp-client.mjs above " + Path.of("").toAbsolutePath()).isNotNull();
    assertThat(root.resolve(".tools/node_modules/@modelcontextprotocol/sdk/package.json"))
        .as("run scripts/install-test-deps.sh first: it installs the MCP SDK client").exists();
    return new McpClientProcess(new ProcessBuilder("node", "scripts/mcp-client.mjs").directory(root.toFile()).start());
  }

  /** Sends one command and returns its answer (within {@code wait}). */
  JsonNode send(String command, Duration wait) throws Exception {
    in.println(command);
    String line = lines.poll(wait.toMillis(), TimeUnit.MILLISECONDS);
    if (line == null) {
      synchronized (stderr) {
        throw new AssertionError("No answer to '" + command + "' within " + wait + "; node stderr:\n" + stderr);
      }
    }
    return TestJson.mapper().readTree(line);
  }

  JsonNode send(String command) throws Exception {
    return send(command, Duration.ofSeconds(30));
  }

  @Override
  public void close() throws Exception {
    in.println("close");
    if (!process.waitFor(10, TimeUnit.SECONDS)) {
      process.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
    }
  }
}
