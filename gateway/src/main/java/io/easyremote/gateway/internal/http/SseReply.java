package io.easyremote.gateway.internal.http;

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

/**
 * A streaming call answered as Server-Sent Events: {@code event: item} per item (data = the JSON
 * item), then {@code event: end} ({@code {"count":N}}) or {@code event: error} (the error JSON).
 * Backpressure: the node may only send an item once the HTTP client has consumed an earlier one
 * (credit is granted from {@code whenConsumed()}), so the gateway holds at most the initial window
 * per stream. A client that disconnects cancels the producer on the node.
 */
final class SseReply implements StreamSink {
  private final ServiceRequestContext ctx;
  private final HttpResponseWriter out;
  private final CallScheduler scheduler;
  private volatile PendingCall call;

  private SseReply(ServiceRequestContext ctx, HttpResponseWriter out, CallScheduler scheduler) {
    this.ctx = ctx;
    this.out = out;
    this.scheduler = scheduler;
  }

  static HttpResponse start(ServiceRequestContext ctx, CallScheduler scheduler, CallRequestSpec spec) {
    HttpResponseWriter out = HttpResponse.streaming();
    out.write(ResponseHeaders.builder(HttpStatus.OK).contentType(MediaType.EVENT_STREAM)
        .add(HttpHeaderNames.CACHE_CONTROL, "no-cache").build());
    SseReply reply = new SseReply(ctx, out, scheduler);
    reply.call = scheduler.submit(spec, reply);
    out.whenComplete().handle((ok, failure) -> {
      if (failure != null) {
        scheduler.cancel(reply.call, ErrorCode.CANCELLED, "The SSE client disconnected.");
      }
      return null;
    });
    return out;
  }

  @Override
  public void onItem(Payload payload, String nodeId) {
    ctx.eventLoop().execute(() -> {
      if (out.tryWrite(event("item", payload.getData().toStringUtf8()))) {
        out.whenConsumed().thenRun(() -> {
          PendingCall c = call;
          if (c != null) {
            scheduler.credit(c, 1);
          }
        });
      }
    });
  }

  @Override
  public void onEnd(long count, String nodeId) {
    finish(event("end", "{\"count\":" + count + ",\"nodeId\":\"" + nodeId + "\"}"));
  }

  @Override
  public void onResult(Payload payload, String nodeId) {
    ctx.eventLoop().execute(() -> out.tryWrite(event("item", payload.getData().toStringUtf8())));
    onEnd(1, nodeId);
  }

  @Override
  public void onError(Error error) {
    String body;
    try {
      body = Json.mapper().writeValueAsString(HttpErrors.body(error));
    } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
      body = "{\"code\":\"INTERNAL\"}";
    }
    finish(event("error", body));
  }

  private void finish(HttpData last) {
    ctx.eventLoop().execute(() -> {
      out.tryWrite(last);
      out.close();
    });
  }

  private static HttpData event(String name, String data) {
    StringBuilder text = new StringBuilder("event: ").append(name).append('\n');
    for (String line : data.split("\n", -1)) {
      text.append("data: ").append(line).append('\n');
    }
    return HttpData.of(StandardCharsets.UTF_8, text.append('\n'));
  }
}
