package io.easyremote.gateway.internal.http;

import com.linecorp.armeria.common.AggregatedHttpResponse;
import com.linecorp.armeria.common.HttpData;
import com.linecorp.armeria.common.HttpHeaderNames;
import com.linecorp.armeria.common.HttpResponse;
import com.linecorp.armeria.common.HttpResponseWriter;
import com.linecorp.armeria.common.HttpStatus;
import com.linecorp.armeria.common.MediaType;
import com.linecorp.armeria.common.ResponseHeaders;
import com.linecorp.armeria.server.ServiceRequestContext;
import io.easyremote.gateway.internal.core.CallRequestSpec;
import io.easyremote.gateway.internal.core.CallScheduler;
import io.easyremote.gateway.internal.core.PendingCall;
import io.easyremote.gateway.internal.core.StreamSink;
import io.easyremote.protocol.ErrorCode;
import io.easyremote.protocol.internal.Json;
import io.easyremote.protocol.wire.Error;
import io.easyremote.protocol.wire.Payload;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.Executor;

/**
 * One streaming call answered as Server-Sent Events: an {@code item} event per item (data = the
 * item's JSON), then {@code end} (data {@code {"count":N,"nodeId":...}}) or {@code error} (data =
 * the error JSON of {@link HttpErrors}). A plain function called this way yields one item, then
 * {@code end}.
 *
 * <p>Backpressure, as in the gRPC front end: the call starts with {@code window} credits, so the
 * node sends at most that many items ahead; each item written to the HTTP response is counted as
 * buffered until the response has handed it to the connection ({@code whenConsumed()}), and only
 * then is its credit passed back to the node. A client that stops reading therefore stops the
 * producer on its node once {@code window} items wait here (plus what the socket buffers hold),
 * and the gateway never holds more than {@code window} items for it.
 *
 * <p>A client that disconnects (or whose connection breaks) cancels the call on its node. All
 * state is confined to the request's event loop; the scheduler's callbacks hop onto it.
 */
final class SseStreamReply implements StreamSink {
  private final HttpResponseWriter out;
  private final CallScheduler scheduler;
  private final Executor loop;
  private final int creditBatch;
  private volatile PendingCall call;

  // Event loop only.
  private int buffered;
  private int heldCredits;
  private boolean finished;
  private boolean opened;

  private SseStreamReply(HttpResponseWriter out, CallScheduler scheduler, Executor loop, int window) {
    this.out = out;
    this.scheduler = scheduler;
    this.loop = loop;
    this.creditBatch = Math.max(1, window / 4);
  }

  /**
   * Submits {@code spec} (a stream call with {@code spec.initialCredits()} as its window) and
   * returns the event stream that carries its items. The response starts (HTTP 200) with the
   * first item or the end; a call that fails before either (unknown function, bad arguments, no
   * node) answers with the error's own HTTP status and JSON body instead, as a unary call does.
   */
  static HttpResponse start(CallScheduler scheduler, CallRequestSpec spec, ServiceRequestContext ctx) {
    Executor loop = ctx.eventLoop();
    HttpResponseWriter out = HttpResponse.streaming();
    SseStreamReply reply = new SseStreamReply(out, scheduler, loop, spec.initialCredits());
    out.whenComplete().handle((ok, failure) -> {
      if (failure != null) {
        loop.execute(reply::callerGone);
      }
      return null;
    });
    ctx.whenRequestCancelling().thenRun(() -> loop.execute(reply::callerGone));
    reply.call = scheduler.submit(spec, reply);
    loop.execute(reply::passCredits); // credits freed before the call was known
    // The writer itself is the response (its headers come later): wrapping it would buffer items
    // out of the reach of whenConsumed(), and backpressure with them.
    return out;
  }

  /** Starts the event stream, once. Event loop only. */
  private void open() {
    if (opened) {
      return;
    }
    opened = true;
    out.write(ResponseHeaders.builder(HttpStatus.OK)
        .contentType(MediaType.EVENT_STREAM)
        .add(HttpHeaderNames.CACHE_CONTROL, "no-cache")
        .add("x-accel-buffering", "no") // nginx in front: pass events on as they come
        .build());
  }

  /** A call that failed before anything was streamed: the error's own status and JSON body. Event loop only. */
  private void failBeforeOpening(Error error) {
    AggregatedHttpResponse response = HttpErrors.response(error).aggregate().join(); // a fixed response: already complete
    opened = true;
    out.write(response.headers());
    out.write(response.content());
    out.close();
  }

  @Override
  public void onItem(Payload payload, String nodeId) {
    HttpData event = event("item", payload.getData().toStringUtf8());
    loop.execute(() -> writeItem(event));
  }

  @Override
  public void onEnd(long count, String nodeId) {
    HttpData event = event("end", Json.mapper().createObjectNode().put("count", count).put("nodeId", nodeId).toString());
    loop.execute(() -> finish(event));
  }

  @Override
  public void onResult(Payload payload, String nodeId) {
    onItem(payload, nodeId);
    onEnd(1, nodeId);
  }

  @Override
  public void onError(Error error) {
    HttpData event = event("error", HttpErrors.bodyText(error));
    loop.execute(() -> {
      if (!opened && !finished) {
        release();
        failBeforeOpening(error); // nothing streamed yet: a plain HTTP error
      } else {
        finish(event);
      }
    });
  }

  private void writeItem(HttpData event) {
    if (finished) {
      return;
    }
    open();
    if (!out.tryWrite(event)) {
      callerGone();
      return;
    }
    buffered++;
    scheduler.bufferedStreamItems().incrementAndGet();
    out.whenConsumed().thenRunAsync(this::consumed, loop);
  }

  /** The response handed one more item to the connection: the node may send one more. */
  private void consumed() {
    if (finished || buffered == 0) {
      return;
    }
    buffered--;
    scheduler.bufferedStreamItems().decrementAndGet();
    heldCredits++;
    if (heldCredits >= creditBatch || buffered == 0) {
      passCredits();
    }
  }

  private void passCredits() {
    PendingCall c = call;
    if (c != null && heldCredits > 0 && !finished) {
      scheduler.credit(c, heldCredits);
      heldCredits = 0;
    }
  }

  private void finish(HttpData last) {
    if (finished) {
      return;
    }
    release();
    open();
    out.tryWrite(last);
    out.close();
  }

  /** The client went away: forget what waits and cancel the producer on its node. */
  private void callerGone() {
    if (finished) {
      return;
    }
    release();
    if (!opened) {
      out.abort();
    }
    PendingCall c = call;
    if (c != null) {
      scheduler.cancel(c, ErrorCode.CANCELLED, "The HTTP client closed the event stream.");
    }
  }

  private void release() {
    finished = true;
    scheduler.bufferedStreamItems().addAndGet(-buffered);
    buffered = 0;
  }

  /** One event; multi-line data becomes several {@code data:} lines, as the SSE format requires. */
  static HttpData event(String name, String data) {
    StringBuilder text = new StringBuilder(data.length() + 32).append("event: ").append(name).append('\n');
    int start = 0;
    for (int i = 0; i <= data.length(); i++) {
      if (i == data.length() || data.charAt(i) == '\n') {
        int end = i > start && data.charAt(i - 1) == '\r' ? i - 1 : i;
        text.append("data: ").append(data, start, end).append('\n');
        start = i + 1;
      }
    }
    return HttpData.of(StandardCharsets.UTF_8, text.append('\n'));
  }
}
