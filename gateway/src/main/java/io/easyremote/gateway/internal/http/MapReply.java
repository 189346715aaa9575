package io.easyremote.gateway.internal.http;

import com.linecorp.armeria.common.HttpData;
import com.linecorp.armeria.common.HttpHeaderNames;
import com.linecorp.armeria.common.HttpResponse;
import com.linecorp.armeria.common.HttpResponseWriter;
import com.linecorp.armeria.common.HttpStatus;
import com.linecorp.armeria.common.MediaType;
import com.linecorp.armeria.common.ResponseHeaders;
import io.easyremote.gateway.internal.core.CallGrant;
import io.easyremote.gateway.internal.core.CallRequestSpec;
import io.easyremote.gateway.internal.core.CallScheduler;
import io.easyremote.gateway.internal.core.CallSink;
import io.easyremote.gateway.internal.core.PendingCall;
import io.easyremote.protocol.ErrorCode;
import io.easyremote.protocol.internal.Json;
import io.easyremote.protocol.internal.Wire;
import io.easyremote.protocol.wire.Encoding;
import io.easyremote.protocol.wire.Error;
import io.easyremote.protocol.wire.Payload;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Executor;

/**
 * The reply to one {@code POST /api/{function}/map}: submits the items to the scheduler as the
 * window allows and writes one line (NDJSON) or {@code item} event (SSE) per item, in input order,
 * as soon as it and those before it are done:
 * {@code {"index":0,"nodeId":"a","result":...}} or {@code {"index":3,"error":{"code":...}}}
 * ({@code resultBase64} for a raw-bytes result), then {@code {"end":true,"items":N,"failed":K}}
 * (the {@code end} event). A failure that would hit every item (unknown function, authentication,
 * permission) before anything was written answers as a plain HTTP error instead; after that it
 * ends the reply with {@code "stopped"} in the end line.
 *
 * <p>Backpressure: new items are submitted only while fewer than four windows of lines wait
 * unwritten or unread by the connection, so a client that stops reading stops the map. A client
 * that goes away cancels the calls in flight. All state is confined to the request's event loop.
 */
final class MapReply {
  private static final Set<ErrorCode> STOPS_ALL = Set.of(ErrorCode.FUNCTION_NOT_FOUND, ErrorCode.UNAUTHENTICATED,
      ErrorCode.PERMISSION_DENIED);
  private static final MediaType NDJSON = MediaType.parse("application/x-ndjson; charset=utf-8");

  /** What to map and how. */
  record Plan(String function, List<Payload> items, String caller, Duration timeout, HttpOptions options, CallGrant grant, int window) {}

  private final HttpResponseWriter out;
  private final CallScheduler scheduler;
  private final Executor loop;
  private final Plan plan;
  private final boolean sse;
  private final int ahead;
  private final HttpData[] lines;
  private final Map<Integer, PendingCall> running = new HashMap<>();

  // Event loop only.
  private int next;
  private int written;
  private int consumed;
  private int failed;
  private boolean headersSent;
  private boolean finished;

  private MapReply(HttpResponseWriter out, CallScheduler scheduler, Executor loop, Plan plan, boolean sse) {
    this.out = out;
    this.scheduler = scheduler;
    this.loop = loop;
    this.plan = plan;
    this.sse = sse;
    this.ahead = plan.window() * 4;
    this.lines = new HttpData[plan.items().size()];
  }

  /** Starts the map on {@code loop} and returns its streaming response. */
  static HttpResponse start(CallScheduler scheduler, Plan plan, boolean sse, Executor loop) {
    HttpResponseWriter out = HttpResponse.streaming();
    MapReply reply = new MapReply(out, scheduler, loop, plan, sse);
    out.whenComplete().handle((ok, failure) -> {
      if (failure != null) {
        loop.execute(reply::callerGone);
      }
      return null;
    });
    loop.execute(() -> {
      reply.pump();
      reply.flush();
    });
    return out;
  }

  private void pump() {
    while (!finished && next < lines.length && running.size() < plan.window() && next - consumed < ahead) {
      int index = next++;
      HttpOptions o = plan.options();
      String key = o.idempotencyKey() == null ? null : o.idempotencyKey() + "#" + index;
      CallRequestSpec spec = new CallRequestSpec(plan.function(), null, plan.items().get(index), plan.caller(),
          System.nanoTime() + plan.timeout().toNanos(), false, 0, o.strategy(), o.requirements(), key,
          CallRequestSpec.DEFAULT_FAILOVER_ATTEMPTS, false, plan.grant());
      running.put(index, scheduler.submit(spec, new CallSink() {
        @Override
        public void onResult(Payload payload, String nodeId) {
          HttpData line = line(resultJson(index, payload, nodeId));
          loop.execute(() -> done(index, line, null));
        }

        @Override
        public void onError(Error error) {
          HttpData line = line("{\"index\":" + index + ",\"error\":" + HttpErrors.bodyText(error) + "}");
          loop.execute(() -> done(index, line, error));
        }
      }));
    }
  }

  private void done(int index, HttpData line, Error error) {
    if (running.remove(index) == null || finished) {
      return;
    }
    if (error != null) {
      failed++;
      if (STOPS_ALL.contains(Wire.fromWire(error.getCode()))) {
        if (!headersSent) {
          finished = true;
          cancelRunning("The map stopped: " + error.getMessage());
          out.write(ResponseHeaders.builder(HttpStatus.valueOf(Wire.fromWire(error.getCode()).httpStatus()))
              .contentType(MediaType.JSON_UTF_8).build());
          out.write(HttpData.ofUtf8(HttpErrors.bodyText(error)));
          out.close();
          return;
        }
        lines[index] = line;
        flushUpTo(index);
        end(",\"stopped\":" + HttpErrors.bodyText(error));
        return;
      }
    }
    lines[index] = line;
    flush();
    pump();
  }

  private void flush() {
    flushUpTo(lines.length - 1);
    if (!finished && written == lines.length) {
      end("");
    }
  }

  private void flushUpTo(int last) {
    while (!finished && written <= last && written < lines.length && lines[written] != null) {
      if (!headersSent) {
        headersSent = true;
        out.write(ResponseHeaders.builder(HttpStatus.OK)
            .contentType(sse ? MediaType.EVENT_STREAM : NDJSON)
            .add(HttpHeaderNames.CACHE_CONTROL, "no-cache")
            .add("x-accel-buffering", "no")
            .build());
      }
      HttpData line = lines[written];
      lines[written] = null;
      written++;
      if (!out.tryWrite(line)) {
        callerGone();
        return;
      }
      out.whenConsumed().thenRunAsync(this::consumed, loop);
    }
  }

  private void consumed() {
    consumed++;
    pump();
  }

  private void end(String extra) {
    finished = true;
    cancelRunning("The map stopped.");
    String end = "{\"end\":true,\"items\":" + lines.length + ",\"written\":" + written + ",\"failed\":" + failed + extra + "}";
    if (!headersSent) {
      headersSent = true;
      out.write(ResponseHeaders.builder(HttpStatus.OK).contentType(sse ? MediaType.EVENT_STREAM : NDJSON).build());
    }
    out.tryWrite(sse ? SseStreamReply.event("end", end) : HttpData.ofUtf8(end + "\n"));
    out.close();
  }

  private void callerGone() {
    if (finished) {
      return;
    }
    finished = true;
    cancelRunning("The HTTP client closed the map response.");
  }

  private void cancelRunning(String reason) {
    for (PendingCall call : running.values()) {
      scheduler.cancel(call, ErrorCode.CANCELLED, reason);
    }
    running.clear();
  }

  private HttpData line(String json) {
    return sse ? SseStreamReply.event("item", json) : HttpData.ofUtf8(json + "\n");
  }

  private static String resultJson(int index, Payload payload, String nodeId) {
    StringBuilder json = new StringBuilder(payload.getData().size() + 48).append("{\"index\":").append(index);
    if (nodeId != null && !nodeId.isEmpty()) {
      json.append(",\"nodeId\":").append(quoted(nodeId));
    }
    if (payload.getEncoding() == Encoding.BINARY) {
      json.append(",\"resultBase64\":\"").append(Base64.getEncoder().encodeToString(payload.getData().toByteArray())).append('"');
    } else {
      String result = payload.getData().toString(StandardCharsets.UTF_8);
      json.append(",\"result\":").append(result.isEmpty() ? "null" : result);
    }
    return json.append('}').toString();
  }

  private static String quoted(String text) {
    return Json.mapper().getNodeFactory().textNode(text).toString();
  }
}
