package io.easyremote.gateway.internal.mcp;

import com.linecorp.armeria.common.HttpData;
import com.linecorp.armeria.common.HttpResponseWriter;
import io.easyremote.gateway.internal.core.CallGrant;
import io.easyremote.gateway.internal.core.PendingCall;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;

/**
 * One MCP session: created by {@code initialize}, named by its {@code Mcp-Session-Id}, bound to
 * the principal that created it. Holds its calls in flight (for {@code notifications/cancelled})
 * and its standalone event stream (the GET), where {@code notifications/tools/list_changed} goes.
 */
final class McpSession {
  final String id;
  /** The principal that initialized it ("" for none): every later request must present the same. */
  final String principal;
  final CallGrant grant;
  final String protocolVersion;
  final Map<String, PendingCall> inFlight = new ConcurrentHashMap<>();
  volatile long lastUsedNanos = System.nanoTime();
  /** The tools this session was last shown or told about. */
  volatile Set<String> tools = Set.of();
  private HttpResponseWriter stream;
  private Executor streamLoop;

  McpSession(String id, String principal, CallGrant grant, String protocolVersion) {
    this.id = id;
    this.principal = principal;
    this.grant = grant;
    this.protocolVersion = protocolVersion;
  }

  /** The standalone stream opened by a GET; replaces an older one. */
  synchronized void openStream(HttpResponseWriter writer, Executor loop) {
    if (stream != null) {
      stream.close();
    }
    stream = writer;
    streamLoop = loop;
  }

  synchronized boolean hasStream() {
    return stream != null && stream.isOpen();
  }

  /** Sends a message on the standalone stream, if one is open. */
  synchronized void send(HttpData event) {
    HttpResponseWriter s = stream;
    if (s != null && s.isOpen()) {
      streamLoop.execute(() -> s.tryWrite(event));
    }
  }

  synchronized void close() {
    if (stream != null) {
      stream.close();
      stream = null;
    }
  }
}
