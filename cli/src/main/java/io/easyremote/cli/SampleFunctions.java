package io.easyremote.cli;

import io.easyremote.node.Emitter;
import io.easyremote.protocol.Remote;

/**
 * The functions {@code easyremote node} serves when no {@code --functions} class is given:
 * {@code echo}, {@code add}, {@code sleep}, {@code fail}, {@code whoami}, and the streams
 * {@code count} and {@code tokens}. Thread-safe: it holds no mutable state.
 */
public final class SampleFunctions {
  private final String nodeId;

  /** For {@code --functions io.easyremote.cli.SampleFunctions}; {@code whoami} then answers {@code sample}. */
  public SampleFunctions() {
    this("sample");
  }

  /** Functions whose {@code whoami} answers {@code nodeId}. */
  public SampleFunctions(String nodeId) {
    this.nodeId = nodeId;
  }

  @Remote(description = "Returns its argument", idempotent = true, isPublic = true)
  public String echo(String text) {
    return text;
  }

  @Remote(description = "Adds two integers", idempotent = true)
  public long add(long a, long b) {
    return a + b;
  }

  @Remote(description = "Sleeps for ms milliseconds and returns ms")
  public long sleep(long ms) throws InterruptedException {
    Thread.sleep(ms);
    return ms;
  }

  @Remote(description = "Always throws IllegalStateException(message)")
  public String fail(String message) {
    throw new IllegalStateException(message);
  }

  @Remote(description = "The id of the node that served the call", idempotent = true)
  public String whoami() {
    return nodeId;
  }

  @Remote(description = "Streams 1..n, one every delayMs milliseconds")
  public void count(int n, long delayMs, Emitter<Integer> out) throws InterruptedException {
    for (int i = 1; i <= n; i++) {
      if (i > 1 && delayMs > 0) {
        Thread.sleep(delayMs);
      }
      out.emit(i);
    }
  }

  @Remote(description = "Streams the words of a text, like a model emitting tokens")
  public void tokens(String text, Emitter<String> out) throws InterruptedException {
    for (String token : text.split("\\s+")) {
      if (!token.isEmpty()) {
        out.emit(token);
      }
    }
  }
}
