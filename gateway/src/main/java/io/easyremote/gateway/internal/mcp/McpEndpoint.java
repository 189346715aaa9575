package io.easyremote.gateway.internal.mcp;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.google.protobuf.ByteString;
import com.linecorp.armeria.common.AggregatedHttpRequest;
import com.linecorp.armeria.common.HttpData;
import com.linecorp.armeria.common.HttpHeaderNames;
import com.linecorp.armeria.common.HttpMethod;
import com.linecorp.armeria.common.HttpRequest;
import com.linecorp.armeria.common.HttpResponse;
import com.linecorp.armeria.common.HttpResponseWriter;
import com.linecorp.armeria.common.HttpStatus;
import com.linecorp.armeria.common.MediaType;
import com.linecorp.armeria.common.ResponseHeaders;
import com.linecorp.armeria.server.ServerBuilder;
import com.linecorp.armeria.server.ServiceRequestContext;
import io.easyremote.gateway.internal.core.CallGrant;
import io.easyremote.gateway.internal.core.CallRequestSpec;
import io.easyremote.gateway.internal.core.CallScheduler;
import io.easyremote.gateway.internal.core.PendingCall;
import io.easyremote.gateway.internal.core.Requirements;
import io.easyremote.gateway.internal.core.StatusViews;
import io.easyremote.gateway.internal.core.StreamSink;
import io.easyremote.gateway.internal.security.CallerAuthentication;
import io.easyremote.protocol.ErrorCode;
import io.easyremote.protocol.internal.Json;
import io.easyremote.protocol.Version;
import io.easyremote.protocol.internal.Wire;
import io.easyremote.protocol.wire.Encoding;
import io.easyremote.protocol.wire.Error;
import io.easyremote.protocol.wire.FunctionInfo;
import io.easyremote.protocol.wire.FunctionSpec;
import io.easyremote.protocol.wire.Payload;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The Model Context Protocol at {@code /mcp}: the Streamable HTTP transport of MCP 2025-06-18,
 * written on Armeria and Jackson. Agents list the functions they may call as tools and call them;
 * a call runs through the scheduler like any other (auth, deadlines, queueing, balancing).
 *
 * <ul>
 *   <li>{@code POST /mcp} carries one JSON-RPC message. {@code initialize} opens a session
 *       ({@code Mcp-Session-Id} in its answer; later requests must send it, else 400, and an
 *       unknown one gets 404). Requests are answered with {@code application/json}, except
 *       {@code tools/call} of a streaming function: an event stream with a
 *       {@code notifications/progress} per item (when the request carries a
 *       {@code progressToken}), then the result. Notifications and responses get 202.
 *   <li>{@code GET /mcp} opens the session's standalone event stream, which carries
 *       {@code notifications/tools/list_changed} when nodes join or leave. {@code DELETE /mcp}
 *       ends the session.
 *   <li>Methods: {@code initialize}, {@code ping}, {@code tools/list}, {@code tools/call};
 *       notifications {@code initialized}, {@code cancelled} (cancels the call on its node).
 *   <li>Auth: {@code Authorization: Bearer <client key>}, as for every call; an invalid key gets
 *       401; without a key only public functions are listed. A session stays bound to its key.
 *   <li>Origin: a request with an {@code Origin} header is refused (403) unless it is a loopback
 *       origin or one configured, against DNS rebinding from web pages.
 * </ul>
 */
public final class McpEndpoint implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(McpEndpoint.class);
  static final String LATEST = "2025-06-18";
  static final Set<String> SUPPORTED = Set.of("2025-06-18", "2025-03-26", "2024-11-05");
  private static final String SESSION_HEADER = "mcp-session-id";
  private static final int MAX_SESSIONS = 10_000;
  private static final Duration SESSION_IDLE = Duration.ofHours(1);

  private final CallScheduler scheduler;
  private final StatusViews status;
  private final CallerAuthentication authentication;
  private final Duration defaultDeadline;
  private final int maxPayloadBytes;
  private final int streamWindow;
  private final Set<String> allowedOrigins;
  private final Map<String, McpSession> sessions = new ConcurrentHashMap<>();
  private final SecureRandom random = new SecureRandom();
  private final ScheduledExecutorService timer;
  private volatile Set<String> lastFunctions = Set.of();

  /**
   * @param allowedOrigins origins (scheme://host[:port]) allowed beside loopback ones
   */
  public McpEndpoint(CallScheduler scheduler, StatusViews status, CallerAuthentication authentication, Duration defaultDeadline,
      int maxPayloadBytes, int streamWindow, List<String> allowedOrigins) {
    this.scheduler = scheduler;
    this.status = status;
    this.authentication = authentication;
    this.defaultDeadline = defaultDeadline;
    this.maxPayloadBytes = maxPayloadBytes;
    this.streamWindow = streamWindow;
    this.allowedOrigins = Set.copyOf(allowedOrigins);
    this.timer = Executors.newSingleThreadScheduledExecutor(r -> {
      Thread t = new Thread(r, "easyremote-mcp");
      t.setDaemon(true);
      return t;
    });
    timer.scheduleWithFixedDelay(this::watchTools, 250, 250, TimeUnit.MILLISECONDS);
    timer.scheduleWithFixedDelay(this::expireSessions, 60, 60, TimeUnit.SECONDS);
  }

  /** Adds {@code /mcp}. */
  public void addTo(ServerBuilder server) {
    server.service("/mcp", (ctx, req) -> {
      ctx.setMaxRequestLength(maxPayloadBytes);
      HttpResponse refused = checkOrigin(req);
      if (refused != null) {
        return refused;
      }
      CallGrant grant;
      try {
        grant = authentication.authenticate(req.headers().get("authorization"), String.valueOf(ctx.remoteAddress()));
      } catch (CallerAuthentication.InvalidKeyException e) {
        return HttpResponse.of(ResponseHeaders.builder(HttpStatus.UNAUTHORIZED).contentType(MediaType.JSON_UTF_8)
            .add(HttpHeaderNames.WWW_AUTHENTICATE, "Bearer realm=\"easyremote\"").build(),
            HttpData.ofUtf8(text(error(null, -32001, "UNAUTHENTICATED: " + e.getMessage()))));
      }
      if (req.method() == HttpMethod.POST) {
        ctx.setRequestTimeout(defaultDeadline.plusSeconds(5));
        return HttpResponse.of(req.aggregate().thenApply(body -> post(ctx, req, body, grant)));
      }
      if (req.method() == HttpMethod.GET) {
        return get(ctx, req, grant);
      }
      if (req.method() == HttpMethod.DELETE) {
        McpSession session = sessions.get(String.valueOf(req.headers().get(SESSION_HEADER)));
        if (session == null || !session.principal.equals(principal(grant))) {
          return plain(HttpStatus.NOT_FOUND, "No such MCP session.");
        }
        end(session);
        return HttpResponse.of(HttpStatus.NO_CONTENT);
      }
      return HttpResponse.of(ResponseHeaders.builder(HttpStatus.METHOD_NOT_ALLOWED).add(HttpHeaderNames.ALLOW, "GET, POST, DELETE")
          .build());
    });
  }

  // ------------------------------------------------------------------ POST

  private HttpResponse post(ServiceRequestContext ctx, HttpRequest req, AggregatedHttpRequest body, CallGrant grant) {
    JsonNode message;
    try {
      message = Json.mapper().readTree(body.content().array());
    } catch (java.io.IOException e) {
      return json(HttpStatus.BAD_REQUEST, error(null, -32700, "Parse error: " + e.getMessage()), null);
    }
    if (message == null || !message.isObject()) {
      return json(HttpStatus.BAD_REQUEST, error(null, -32600, "Invalid request: one JSON-RPC message object per POST "
          + "(batches are not part of MCP 2025-06-18)."), null);
    }
    JsonNode id = message.get("id");
    String method = message.path("method").asText(null);
    if (method == null) { // a response to us: we send no requests, so nothing waits for it
      return HttpResponse.of(HttpStatus.ACCEPTED);
    }
    if (method.equals("initialize")) {
      return initialize(id, message.path("params"), grant);
    }
    McpSession session;
    String sessionId = req.headers().get(SESSION_HEADER);
    if (sessionId == null) {
      return json(HttpStatus.BAD_REQUEST, error(id, -32600, "Bad request: send the Mcp-Session-Id header that initialize answered."), null);
    }
    session = sessions.get(sessionId);
    if (session == null || !session.principal.equals(principal(grant))) {
      return json(HttpStatus.NOT_FOUND, error(id, -32001, "Session not found: initialize again."), null);
    }
    String version = req.headers().get("mcp-protocol-version");
    if (version != null && !SUPPORTED.contains(version)) {
      return json(HttpStatus.BAD_REQUEST, error(id, -32600, "Unsupported MCP-Protocol-Version '" + version + "'; supported: "
          + SUPPORTED + "."), null);
    }
    session.lastUsedNanos = System.nanoTime();
    if (id == null || id.isNull()) { // a notification
      if (method.equals("notifications/cancelled")) {
        cancelled(session, message.path("params"));
      }
      return HttpResponse.of(HttpStatus.ACCEPTED);
    }
    return switch (method) {
      case "ping" -> json(HttpStatus.OK, result(id, Json.mapper().createObjectNode()), null);
      case "tools/list" -> toolsList(id, session);
      case "tools/call" -> toolsCall(ctx, id, message.path("params"), session);
      default -> json(HttpStatus.OK, error(id, -32601, "Method not found: " + method), null);
    };
  }

  private HttpResponse initialize(JsonNode id, JsonNode params, CallGrant grant) {
    if (id == null || id.isNull()) {
      return json(HttpStatus.BAD_REQUEST, error(null, -32600, "initialize is a request: it needs an id."), null);
    }
    if (sessions.size() >= MAX_SESSIONS) {
      expireSessions();
      if (sessions.size() >= MAX_SESSIONS) {
        return json(HttpStatus.SERVICE_UNAVAILABLE, error(id, -32000, "OVERLOADED: too many MCP sessions; retry later."), null);
      }
    }
    String requested = params.path("protocolVersion").asText("");
    String version = SUPPORTED.contains(requested) ? requested : LATEST;
    byte[] bytes = new byte[16];
    random.nextBytes(bytes);
    McpSession session = new McpSession(HexFormat.of().formatHex(bytes), principal(grant), grant, version);
    session.tools = McpTools.names(status.clusterFunctions(CallGrant.OPEN), grant);
    sessions.put(session.id, session);
    ObjectNode result = Json.mapper().createObjectNode();
    result.put("protocolVersion", version);
    result.putObject("capabilities").putObject("tools").put("listChanged", true);
    result.putObject("serverInfo").put("name", "easyremote-gateway").put("title", "EasyRemote gateway").put("version", Version.CURRENT);
    result.put("instructions", "Each tool is a function served by compute nodes behind this EasyRemote gateway.");
    return json(HttpStatus.OK, result(id, result), session.id);
  }

  private HttpResponse toolsList(JsonNode id, McpSession session) {
    List<FunctionInfo> functions = status.clusterFunctions(CallGrant.OPEN);
    session.tools = McpTools.names(functions, session.grant);
    ObjectNode result = Json.mapper().createObjectNode();
    result.set("tools", McpTools.list(functions, session.grant));
    return json(HttpStatus.OK, result(id, result), null);
  }

  private HttpResponse toolsCall(ServiceRequestContext ctx, JsonNode id, JsonNode params, McpSession session) {
    String name = params.path("name").asText("");
    FunctionSpec spec = status.clusterSpec(name);
    if (spec == null) {
      return json(HttpStatus.OK, error(id, -32602, "Unknown tool: '" + name + "'. tools/list names the tools you may call."), null);
    }
    if (!session.grant.mayCall(name, spec)) {
      Error refused = session.principal.isEmpty()
          ? Wire.error(ErrorCode.UNAUTHENTICATED, "'" + name + "' needs a client key: send Authorization: Bearer <key>.")
          : Wire.error(ErrorCode.PERMISSION_DENIED, "Key '" + session.principal + "' may not call '" + name + "'.");
      return json(HttpStatus.OK, result(id, errorResult(refused)), null);
    }
    JsonNode arguments = params.get("arguments");
    if (arguments != null && !arguments.isObject() && !arguments.isNull()) {
      return json(HttpStatus.OK, error(id, -32602, "arguments must be an object of named arguments."), null);
    }
    byte[] payload;
    try {
      payload = arguments == null || arguments.isNull() ? "{}".getBytes(StandardCharsets.UTF_8)
          : Json.mapper().writeValueAsBytes(arguments);
    } catch (JsonProcessingException e) {
      return json(HttpStatus.OK, error(id, -32603, "Cannot encode the arguments."), null);
    }
    JsonNode progressToken = params.path("_meta").get("progressToken");
    // The node's default timeout, capped (it comes from the node: a huge one must not overflow the deadline in nanoseconds).
    Duration timeout = spec.getDefaultTimeoutMs() > 0
        ? Duration.ofMillis(Math.min(Math.max(spec.getDefaultTimeoutMs(), defaultDeadline.toMillis()), CallRequestSpec.MAX_TIMEOUT.toMillis()))
        : defaultDeadline;
    ctx.setRequestTimeout(timeout.plusSeconds(5));
    boolean streaming = spec.getStreaming();
    CallRequestSpec request = new CallRequestSpec(name, null,
        Payload.newBuilder().setData(ByteString.copyFrom(payload)).setEncoding(Encoding.JSON).build(),
        "mcp:" + (session.principal.isEmpty() ? session.id.substring(0, 8) : session.principal),
        System.nanoTime() + timeout.toNanos(), streaming, streaming ? streamWindow : 0, null, Requirements.NONE, null,
        CallRequestSpec.DEFAULT_FAILOVER_ATTEMPTS, false, session.grant);
    String key = id.toString();
    ToolCall call = streaming ? new StreamingToolCall(ctx.eventLoop(), id, progressToken, session, key)
        : new ToolCall(id, session, key);
    PendingCall pending = scheduler.submit(request, call);
    call.started(pending);
    ctx.whenRequestCancelling().thenRun(() -> scheduler.cancel(pending, ErrorCode.CANCELLED, "The MCP client went away."));
    return call.response();
  }

  /** {@code notifications/cancelled}: the call goes, with a Cancel to its node. */
  private void cancelled(McpSession session, JsonNode params) {
    JsonNode requestId = params.get("requestId");
    if (requestId == null) {
      return;
    }
    PendingCall call = session.inFlight.remove(requestId.toString());
    if (call != null) {
      String reason = params.path("reason").asText("");
      scheduler.cancel(call, ErrorCode.CANCELLED, "The MCP client cancelled the call" + (reason.isEmpty() ? "." : ": " + reason));
    }
  }

  // ------------------------------------------------------------------ a call's outcome

  /** A unary tool call: answered with one JSON body. */
  private class ToolCall implements StreamSink {
    final JsonNode id;
    final McpSession session;
    final String key;
    final CompletableFuture<HttpResponse> done = new CompletableFuture<>();
    volatile PendingCall pending;

    ToolCall(JsonNode id, McpSession session, String key) {
      this.id = id;
      this.session = session;
      this.key = key;
    }

    void started(PendingCall call) {
      pending = call;
      if (!done.isDone()) {
        session.inFlight.put(key, call);
      }
    }

    HttpResponse response() {
      return HttpResponse.of(done);
    }

    void finish(ObjectNode result) {
      PendingCall call = pending;
      if (call != null) {
        session.inFlight.remove(key, call);
      }
      done.complete(json(HttpStatus.OK, result(id, result), null));
    }

    @Override
    public void onResult(Payload payload, String nodeId) {
      finish(successResult(payload, "result"));
    }

    @Override
    public void onError(Error error) {
      finish(errorResult(error));
    }

    @Override
    public void onItem(Payload payload, String nodeId) {
      // only streaming calls have items
    }

    @Override
    public void onEnd(long count, String nodeId) {
      finish(errorResult(Wire.error(ErrorCode.INTERNAL, "A stream ended a unary call.")));
    }
  }

  /** A streaming tool call: an event stream of progress notifications, then the result with every item. */
  private final class StreamingToolCall extends ToolCall {
    private final Executor loop;
    private final JsonNode progressToken;
    private final HttpResponseWriter out = HttpResponse.streaming();
    private final ArrayNode items = Json.mapper().createArrayNode();
    private long bytes;
    private long progress;

    StreamingToolCall(Executor loop, JsonNode id, JsonNode progressToken, McpSession session, String key) {
      super(id, session, key);
      this.loop = loop;
      this.progressToken = progressToken;
      out.write(ResponseHeaders.builder(HttpStatus.OK).contentType(MediaType.EVENT_STREAM)
          .add(HttpHeaderNames.CACHE_CONTROL, "no-cache").add("x-accel-buffering", "no").build());
    }

    @Override
    HttpResponse response() {
      return out;
    }

    @Override
    public void onItem(Payload payload, String nodeId) {
      String text = payload.getData().toStringUtf8();
      loop.execute(() -> {
        if (!out.isOpen()) {
          return;
        }
        bytes += text.length();
        if (bytes > maxPayloadBytes) {
          scheduler.cancel(pending, ErrorCode.PAYLOAD_TOO_LARGE, "The stream's items exceed " + maxPayloadBytes
              + " bytes, the most one tool result may hold.");
          return;
        }
        items.add(parse(text));
        progress++;
        if (progressToken != null && !progressToken.isNull()) {
          ObjectNode note = Json.mapper().createObjectNode();
          note.put("jsonrpc", "2.0");
          note.put("method", "notifications/progress");
          ObjectNode p = note.putObject("params");
          p.set("progressToken", progressToken);
          p.put("progress", progress);
          p.put("message", text);
          out.tryWrite(event(note));
        }
        out.whenConsumed().thenRunAsync(() -> {
          PendingCall c = pending;
          if (c != null) {
            scheduler.credit(c, 1);
          }
        }, loop);
      });
    }

    @Override
    public void onEnd(long count, String nodeId) {
      loop.execute(() -> {
        ObjectNode structured = Json.mapper().createObjectNode();
        structured.set("items", items);
        ObjectNode result = Json.mapper().createObjectNode();
        result.putArray("content").addObject().put("type", "text").put("text", text(items));
        result.set("structuredContent", structured);
        result.put("isError", false);
        end(result);
      });
    }

    @Override
    public void onResult(Payload payload, String nodeId) {
      onItem(payload, nodeId);
      onEnd(1, nodeId);
    }

    @Override
    public void onError(Error error) {
      loop.execute(() -> end(errorResult(error)));
    }

    private void end(ObjectNode result) {
      PendingCall call = pending;
      if (call != null) {
        session.inFlight.remove(key, call);
      }
      if (out.isOpen()) {
        out.tryWrite(event(result(id, result)));
        out.close();
      }
    }
  }

  private static ObjectNode successResult(Payload payload, String field) {
    ObjectNode result = Json.mapper().createObjectNode();
    String text = payload.getEncoding() == Encoding.BINARY
        ? java.util.Base64.getEncoder().encodeToString(payload.getData().toByteArray()) : payload.getData().toStringUtf8();
    result.putArray("content").addObject().put("type", "text").put("text", text);
    ObjectNode structured = result.putObject("structuredContent");
    structured.set(field, payload.getEncoding() == Encoding.BINARY ? Json.mapper().getNodeFactory().textNode(text) : parse(text));
    result.put("isError", false);
    return result;
  }

  /** A failed call as MCP wants it: a tool result with isError, its text naming the code. */
  static ObjectNode errorResult(Error error) {
    ObjectNode result = Json.mapper().createObjectNode();
    ErrorCode code = Wire.fromWire(error.getCode());
    String text = code.name() + ": " + error.getMessage()
        + (error.getRemoteType().isEmpty() ? "" : " (" + error.getRemoteType() + ")");
    result.putArray("content").addObject().put("type", "text").put("text", text);
    result.put("isError", true);
    return result;
  }

  private static JsonNode parse(String text) {
    try {
      JsonNode node = text.isEmpty() ? null : Json.mapper().readTree(text);
      return node == null ? Json.mapper().nullNode() : node;
    } catch (java.io.IOException e) {
      return Json.mapper().getNodeFactory().textNode(text);
    }
  }

  // ------------------------------------------------------------------ GET: the standalone stream

  private HttpResponse get(ServiceRequestContext ctx, HttpRequest req, CallGrant grant) {
    String accept = req.headers().get(HttpHeaderNames.ACCEPT);
    if (accept == null || !accept.contains("text/event-stream")) {
      return HttpResponse.of(ResponseHeaders.builder(HttpStatus.METHOD_NOT_ALLOWED).add(HttpHeaderNames.ALLOW, "POST, DELETE").build());
    }
    McpSession session = sessions.get(String.valueOf(req.headers().get(SESSION_HEADER)));
    if (session == null || !session.principal.equals(principal(grant))) {
      return json(HttpStatus.NOT_FOUND, error(null, -32001, "Session not found: initialize again."), null);
    }
    ctx.clearRequestTimeout();
    HttpResponseWriter out = HttpResponse.streaming();
    out.write(ResponseHeaders.builder(HttpStatus.OK).contentType(MediaType.EVENT_STREAM)
        .add(HttpHeaderNames.CACHE_CONTROL, "no-cache").add("x-accel-buffering", "no").build());
    session.openStream(out, ctx.eventLoop());
    return out;
  }

  /** Tells sessions whose callable tools changed (nodes joined or left), on their standalone streams. */
  private void watchTools() {
    try {
      List<FunctionInfo> infos = status.clusterFunctions(CallGrant.OPEN);
      Set<String> functions = new java.util.TreeSet<>();
      infos.forEach(f -> functions.add(f.getSpec().getName()));
      if (functions.equals(lastFunctions)) {
        return;
      }
      lastFunctions = functions;
      for (McpSession session : sessions.values()) {
        Set<String> now = McpTools.names(infos, session.grant);
        if (!now.equals(session.tools) && session.hasStream()) {
          session.tools = now;
          ObjectNode note = Json.mapper().createObjectNode();
          note.put("jsonrpc", "2.0");
          note.put("method", "notifications/tools/list_changed");
          session.send(event(note));
        }
      }
    } catch (RuntimeException e) {
      log.warn("Watching the tool list failed", e);
    }
  }

  private void expireSessions() {
    long now = System.nanoTime();
    for (McpSession session : sessions.values()) {
      if (now - session.lastUsedNanos > SESSION_IDLE.toNanos() && session.inFlight.isEmpty()) {
        end(session);
      }
    }
  }

  private void end(McpSession session) {
    sessions.remove(session.id);
    session.close();
    for (PendingCall call : session.inFlight.values()) {
      scheduler.cancel(call, ErrorCode.CANCELLED, "The MCP session ended.");
    }
  }

  /** Sessions open now. */
  public int sessions() {
    return sessions.size();
  }

  @Override
  public void close() {
    timer.shutdownNow();
    for (McpSession session : List.copyOf(sessions.values())) {
      end(session);
    }
  }

  // ------------------------------------------------------------------ origin, JSON-RPC helpers

  /** 403 for a browser origin that is neither loopback nor configured; null when the request may proceed. */
  private HttpResponse checkOrigin(HttpRequest req) {
    String origin = req.headers().get(HttpHeaderNames.ORIGIN);
    if (origin == null || allowedOrigins.contains(origin) || isLoopbackOrigin(origin)) {
      return null;
    }
    log.warn("Refused an MCP request from origin {}", origin);
    return plain(HttpStatus.FORBIDDEN, "Origin '" + origin + "' is not allowed to use this gateway's MCP endpoint.");
  }

  static boolean isLoopbackOrigin(String origin) {
    try {
      String host = URI.create(origin).getHost();
      return host != null && (host.equals("localhost") || host.equals("127.0.0.1") || host.equals("[::1]") || host.equals("::1"));
    } catch (IllegalArgumentException e) {
      return false;
    }
  }

  private static String principal(CallGrant grant) {
    return grant.principal() == null ? "" : grant.principal();
  }

  static ObjectNode result(JsonNode id, JsonNode result) {
    ObjectNode message = Json.mapper().createObjectNode();
    message.put("jsonrpc", "2.0");
    message.set("id", id);
    message.set("result", result);
    return message;
  }

  static ObjectNode error(JsonNode id, int code, String text) {
    ObjectNode message = Json.mapper().createObjectNode();
    message.put("jsonrpc", "2.0");
    message.set("id", id == null ? Json.mapper().nullNode() : id);
    message.putObject("error").put("code", code).put("message", text);
    return message;
  }

  private static HttpResponse json(HttpStatus status, ObjectNode body, String sessionId) {
    com.linecorp.armeria.common.ResponseHeadersBuilder headers = ResponseHeaders.builder(status).contentType(MediaType.JSON_UTF_8);
    if (sessionId != null) {
      headers.add(SESSION_HEADER, sessionId);
    }
    return HttpResponse.of(headers.build(), HttpData.ofUtf8(text(body)));
  }

  private static HttpResponse plain(HttpStatus status, String text) {
    return HttpResponse.of(status, MediaType.PLAIN_TEXT_UTF_8, text);
  }

  private static HttpData event(JsonNode message) {
    return HttpData.ofUtf8("event: message\ndata: " + text(message) + "\n\n");
  }

  private static String text(JsonNode node) {
    try {
      return Json.mapper().writeValueAsString(node);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("Cannot encode JSON", e);
    }
  }
}
