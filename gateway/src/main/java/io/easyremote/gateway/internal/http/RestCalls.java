package io.easyremote.gateway.internal.http;

import com.google.protobuf.UnsafeByteOperations;
import com.linecorp.armeria.common.AggregatedHttpRequest;
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
import io.easyremote.gateway.internal.tracing.CallTracing;
import io.easyremote.protocol.ErrorCode;
import io.easyremote.protocol.wire.Encoding;
import io.easyremote.protocol.wire.Error;
import io.easyremote.protocol.wire.Payload;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;

/**
 * {@code POST /api/{function}} and {@code POST /api/nodes/{node}/{function}}: the body is the
 * payload, forwarded untouched as JSON (array = positional, object = named, empty = no
 * arguments; {@code Content-Type: application/octet-stream} = raw bytes for a {@code byte[]}
 * parameter); the answer is {@code 200} with the JSON result and {@code X-EasyRemote-Node}, or
 * an error as {@link HttpErrors} describes. With {@code Accept: text/event-stream} or the
 * {@code /stream} routes the call is a stream answered by {@link SseStreamReply}.
 *
 * <p>The deadline ({@link HttpOptions}, else the gateway's default) runs from the request's
 * arrival, body upload included. Unary requests keep an Armeria request timeout a little beyond
 * it as a backstop; an event stream has none once it starts, since a live stream is bounded by
 * its own deadline.
 */
public final class RestCalls {
  /** How long past the call's deadline Armeria's own timeout fires, as a backstop only. */
  private static final Duration BACKSTOP = Duration.ofSeconds(5);

  private final CallScheduler scheduler;
  private final CallerAuthentication authentication;
  private final Duration defaultDeadline;
  private final int maxPayloadBytes;
  private final int streamWindow;
  private CallTracing tracing = new CallTracing(io.opentelemetry.api.OpenTelemetry.noop());

  /**
   * @param defaultDeadline the deadline of calls that name none
   * @param maxPayloadBytes the largest request body accepted (413 beyond)
   * @param streamWindow items a stream may have in flight toward a client that is not reading
   */
  public RestCalls(CallScheduler scheduler, CallerAuthentication authentication, Duration defaultDeadline, int maxPayloadBytes,
      int streamWindow) {
    this.scheduler = scheduler;
    this.authentication = authentication;
    this.defaultDeadline = defaultDeadline;
    this.maxPayloadBytes = maxPayloadBytes;
    this.streamWindow = streamWindow;
  }

  /**
   * The caller's grant from the request's Authorization header.
   *
   * @throws CallerAuthentication.InvalidKeyException for a key the gateway does not know
   */
  CallGrant grantOf(ServiceRequestContext ctx, HttpRequest req) throws CallerAuthentication.InvalidKeyException {
    return authentication.authenticate(req.headers().get("authorization"), ctx.clientAddress().getHostAddress());
  }

  /** Records spans of unary calls with {@code tracing} (default: none). */
  public RestCalls traceWith(CallTracing tracing) {
    this.tracing = tracing;
    return this;
  }

  /** The largest request body accepted, in bytes. */
  int maxPayloadBytes() {
    return maxPayloadBytes;
  }

  /** The core every call goes through; {@link MapCalls} submits its items there too. */
  CallScheduler scheduler() {
    return scheduler;
  }

  /** The deadline of calls that name none. */
  Duration defaultDeadline() {
    return defaultDeadline;
  }

  /** Serves one call; {@code stream} when the route asked for Server-Sent Events explicitly. */
  HttpResponse serve(ServiceRequestContext ctx, HttpRequest req, String function, String node, boolean stream) {
    long arrivedNanos = System.nanoTime();
    ctx.setMaxRequestLength(maxPayloadBytes);
    HttpOptions options;
    CallGrant grant;
    try {
      options = HttpOptions.parse(req.headers(), ctx.queryParams());
      grant = authentication.authenticate(req.headers().get("authorization"), ctx.clientAddress().getHostAddress());
    } catch (IllegalArgumentException e) {
      return HttpErrors.response(ErrorCode.INVALID_REQUEST, e.getMessage());
    } catch (CallerAuthentication.InvalidKeyException e) {
      return HttpErrors.response(ErrorCode.UNAUTHENTICATED, e.getMessage());
    }
    Duration timeout = options.timeoutOr(defaultDeadline);
    ctx.setRequestTimeout(timeout.plus(BACKSTOP));
    boolean sse = stream || acceptsEventStream(req);
    long deadlineNanos = arrivedNanos + timeout.toNanos();
    CompletableFuture<HttpResponse> response = req.aggregate().handle((body, failure) -> {
      if (failure != null) {
        return HttpErrors.response(HttpErrors.ofFailure(failure, maxPayloadBytes));
      }
      String caller = grant.principal() != null ? grant.principal() : String.valueOf(ctx.clientAddress());
      CallRequestSpec spec = new CallRequestSpec(function, node, payload(body), caller, deadlineNanos, sse, sse ? streamWindow : 0,
          options.strategy(), options.requirements(), options.idempotencyKey(), CallRequestSpec.DEFAULT_FAILOVER_ATTEMPTS, false,
          grant);
      if (sse) {
        ctx.clearRequestTimeout(); // a live stream is bounded by its own deadline, never by Armeria's timeout
        return SseStreamReply.start(scheduler, spec, ctx);
      }
      return unary(ctx, spec);
    });
    return HttpResponse.of(response);
  }

  private HttpResponse unary(ServiceRequestContext ctx, CallRequestSpec spec) {
    CompletableFuture<HttpResponse> done = new CompletableFuture<>();
    PendingCall call = scheduler.submit(spec, tracing.trace(new CallSink() {
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
    }, spec.function(), ctx.request().headers(), "http"));
    ctx.whenRequestCancelling().thenRun(() -> scheduler.cancel(call, ErrorCode.CANCELLED, "The HTTP caller went away."));
    return HttpResponse.of(done);
  }

  private static Payload payload(AggregatedHttpRequest body) {
    MediaType type = body.contentType();
    boolean binary = type != null && type.is(MediaType.OCTET_STREAM);
    return Payload.newBuilder()
        .setData(UnsafeByteOperations.unsafeWrap(body.content().array()))
        .setEncoding(binary ? Encoding.BINARY : Encoding.JSON)
        .build();
  }

  static boolean acceptsEventStream(HttpRequest req) {
    String accept = req.headers().get("accept");
    return accept != null && accept.contains("text/event-stream");
  }
}
