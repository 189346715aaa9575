package io.easyremote.gateway.internal.http;

import com.linecorp.armeria.common.HttpData;
import com.linecorp.armeria.common.HttpHeaderNames;
import com.linecorp.armeria.common.HttpResponse;
import com.linecorp.armeria.common.HttpResponseWriter;
import com.linecorp.armeria.common.HttpStatus;
import com.linecorp.armeria.common.MediaType;
import com.linecorp.armeria.common.ResponseHeaders;
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

  private SseStreamReply(HttpResponseWriter out, CallScheduler scheduler, Executor loop, int window) {
    this.out = out;
    this.scheduler = scheduler;
    this.loop = loop;
    this.creditBatch = Math.max(1, window / 4);
  }

  /**
   * Submits {@code spec} (a stream call with {@code spec.initialCredits()} as its window) and
   * returns the event stream that carries its items.
   */
  static HttpResponse start(CallScheduler scheduler, CallRequestSpec spec, Executor loop) {
    HttpResponseWriter out = HttpResponse.streaming();
    out.write(ResponseHeaders.builder(HttpStatus.OK)
        .contentType(MediaType.EVENT_STREAM)
        .add(HttpHeaderNames.CACHE_CONTROL, "no-cache")
        .add("x-accel-buffering", "no") // nginx in front: pass events on as they come
        .build());
    SseStreamReply reply = new SseStreamReply(out, scheduler, loop, spec.initialCredits());
    out.whenComplete().handle((ok, failure) -> {
      if (failure != null) {
        loop.execute(reply::callerGone);
      }
      return null;
    });
    reply.call = scheduler.submit(spec, reply);
    loop.execute(reply::passCredits); // credits freed before the call was known
    return out;
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
    loop.execute(() -> finish(event));
  }

  private void writeItem(HttpData event) {
    if (finished) {
      return;
    }
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
    out.tryWrite(last);
    out.close();
  }

  /** The client went away: forget what waits and cancel the producer on its node. */
  private void callerGone() {
    if (finished) {
      return;
    }
    release();
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
