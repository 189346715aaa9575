package io.easyremote.gateway.internal.http;

import com.google.protobuf.UnsafeByteOperations;
import com.linecorp.armeria.common.AggregatedHttpRequest;
import com.linecorp.armeria.common.ContentTooLargeException;
import com.linecorp.armeria.common.HttpData;
import com.linecorp.armeria.common.HttpRequest;
import com.linecorp.armeria.common.HttpResponse;
import com.linecorp.armeria.common.HttpStatus;
import com.linecorp.armeria.common.MediaType;
import com.linecorp.armeria.common.ResponseHeaders;
import com.linecorp.armeria.server.ServiceRequestContext;
import io.easyremote.gateway.internal.core.CallGrant;
import io.easyremote.gateway.internal.core.CallRequestSpec;
import io.easyremote.gateway.internal.core.CallScheduler;
import io.easyremote.gateway.internal.core.CallSink;
import io.easyremote.gateway.internal.core.PendingCall;
import io.easyremote.gateway.internal.security.CallerAuthentication;
import io.easyremote.protocol.ErrorCode;
import io.easyremote.protocol.wire.Encoding;
import io.easyremote.protocol.wire.Error;
import io.easyremote.protocol.wire.Payload;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;

/**
 * {@code POST /api/{function}} and {@code POST /api/nodes/{node}/{function}}: the body is the
 * payload, forwarded untouched (JSON array = positional, object = named, empty = no arguments);
 * the answer is the JSON result, or an error as {@link HttpErrors} describes. Streaming functions
 * (or {@code Accept: text/event-stream}, or a {@code /stream} suffix) answer with Server-Sent Events.
 */
public final class RestCalls {
  private final CallScheduler scheduler;
  private final CallerAuthentication authentication;
  private final Duration defaultDeadline;
  private final int maxPayloadBytes;
  private final int streamWindow;

  public RestCalls(CallScheduler scheduler, CallerAuthentication authentication, Duration defaultDeadline, int maxPayloadBytes,
      int streamWindow) {
    this.scheduler = scheduler;
    this.authentication = authentication;
    this.defaultDeadline = defaultDeadline;
    this.maxPayloadBytes = maxPayloadBytes;
    this.streamWindow = streamWindow;
  }

  /** Serves one request; {@code stream} when the route asked for SSE explicitly. */
  public HttpResponse serve(ServiceRequestContext ctx, HttpRequest req, String function, String node, boolean stream) {
    ctx.setMaxRequestLength(maxPayloadBytes);
    HttpOptions options;
    CallGrant grant;
    try {
      options = HttpOptions.parse(req.headers(), ctx.queryParams());
      grant = authentication.authenticate(req.headers().get("authorization"), String.valueOf(ctx.remoteAddress()));
    } catch (IllegalArgumentException e) {
      return HttpErrors.response(ErrorCode.INVALID_REQUEST, e.getMessage());
    } catch (CallerAuthentication.InvalidKeyException e) {
      return HttpErrors.response(ErrorCode.UNAUTHENTICATED, e.getMessage());
    }
    boolean sse = stream || acceptsEventStream(req);
    if (sse) {
      ctx.clearRequestTimeout(); // a live stream is bounded by the call's own deadline, not Armeria's
    }
    CompletableFuture<HttpResponse> response = req.aggregate().handle((body, failure) -> {
      if (failure != null) {
        Throwable cause = failure instanceof CompletionException && failure.getCause() != null ? failure.getCause() : failure;
        if (cause instanceof ContentTooLargeException) {
          return HttpErrors.response(ErrorCode.PAYLOAD_TOO_LARGE,
              "The request body of '" + function + "' is larger than the gateway's limit of " + maxPayloadBytes + " bytes.");
        }
        return HttpErrors.response(ErrorCode.INVALID_REQUEST, "Could not read the request body: " + cause.getMessage());
      }
      CallRequestSpec spec = spec(ctx, function, node, body, options, grant, sse);
      return sse ? SseReply.start(ctx, scheduler, spec) : unary(ctx, spec);
    });
    return HttpResponse.of(response);
  }

  private CallRequestSpec spec(ServiceRequestContext ctx, String function, String node, AggregatedHttpRequest body,
      HttpOptions options, CallGrant grant, boolean stream) {
    Payload payload = Payload.newBuilder()
        .setData(UnsafeByteOperations.unsafeWrap(body.content().array()))
        .setEncoding(isBinary(body) ? Encoding.BINARY : Encoding.JSON)
        .build();
    Duration timeout = options.timeout() != null ? options.timeout() : defaultDeadline;
    String caller = grant.principal() != null ? grant.principal() : String.valueOf(ctx.clientAddress());
    return new CallRequestSpec(function, node, payload, caller, System.nanoTime() + timeout.toNanos(), stream, streamWindow,
        options.strategy(), options.requirements(), options.idempotencyKey(), CallRequestSpec.DEFAULT_FAILOVER_ATTEMPTS, false, grant);
  }

  private HttpResponse unary(ServiceRequestContext ctx, CallRequestSpec spec) {
    CompletableFuture<HttpResponse> done = new CompletableFuture<>();
    PendingCall call = scheduler.submit(spec, new CallSink() {
      @Override
      public void onResult(Payload payload, String nodeId) {
        MediaType type = payload.getEncoding() == Encoding.BINARY ? MediaType.OCTET_STREAM : MediaType.JSON_UTF_8;
        done.complete(HttpResponse.of(ResponseHeaders.builder(HttpStatus.OK).contentType(type).add("x-easyremote-node", nodeId).build(),
            HttpData.wrap(payload.getData().toByteArray())));
      }

      @Override
      public void onError(Error error) {
        done.complete(HttpErrors.response(error));
      }
    });
    ctx.whenRequestCancelling().thenRun(() -> scheduler.cancel(call, ErrorCode.CANCELLED, "The HTTP caller went away."));
    return HttpResponse.of(done);
  }

  private static boolean acceptsEventStream(HttpRequest req) {
    String accept = req.headers().get("accept");
    return accept != null && accept.contains("text/event-stream");
  }

  private static boolean isBinary(AggregatedHttpRequest body) {
    MediaType type = body.contentType();
    return type != null && type.is(MediaType.OCTET_STREAM);
  }
}
