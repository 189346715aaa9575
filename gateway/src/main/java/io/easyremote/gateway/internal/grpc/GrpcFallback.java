package io.easyremote.gateway.internal.grpc;

import com.linecorp.armeria.common.AggregatedHttpResponse;
import com.linecorp.armeria.common.HttpRequest;
import com.linecorp.armeria.common.HttpResponse;
import com.linecorp.armeria.common.HttpStatus;
import com.linecorp.armeria.common.MediaType;
import com.linecorp.armeria.common.RequestHeaders;
import com.linecorp.armeria.common.ResponseHeaders;
import com.linecorp.armeria.common.stream.ClosedStreamException;
import com.linecorp.armeria.server.DecoratingHttpServiceFunction;
import com.linecorp.armeria.server.HttpService;
import com.linecorp.armeria.server.RequestTimeoutException;
import com.linecorp.armeria.server.ServerErrorHandler;
import com.linecorp.armeria.server.ServiceConfig;
import com.linecorp.armeria.server.ServiceRequestContext;
import com.linecorp.armeria.server.grpc.GrpcService;
import io.grpc.Status;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletionException;

/**
 * Makes every answer to a gRPC request a gRPC answer, so generic tools ({@code grpcurl}, health
 * probes, any language's stubs) read a status instead of choking on an HTTP error page:
 *
 * <ul>
 *   <li>a gRPC request for a method or service the gateway does not serve gets {@code UNIMPLEMENTED}
 *       (it would otherwise reach the dashboard's file service and get HTTP 405 {@code text/plain});</li>
 *   <li>a failure Armeria answers itself on a gRPC request (a caller that reset its stream, a
 *       request timeout, a bare HTTP status) becomes a trailers-only gRPC response with the matching
 *       status ({@code CANCELLED}, {@code DEADLINE_EXCEEDED}, ...) instead of HTTP 500 {@code text/plain}.</li>
 * </ul>
 *
 * <p>A gRPC request is one whose {@code content-type} starts with {@code application/grpc}
 * (gRPC, gRPC-Web). Other requests are left to the HTTP front end.
 */
public final class GrpcFallback implements ServerErrorHandler {
  private static final MediaType GRPC = MediaType.parse("application/grpc+proto");

  /** A server-wide decorator answering UNIMPLEMENTED for gRPC requests that reached a non-gRPC service. */
  public static DecoratingHttpServiceFunction unimplemented() {
    return (HttpService delegate, ServiceRequestContext ctx, HttpRequest req) -> {
      if (isGrpc(req.headers()) && ctx.config().service().as(GrpcService.class) == null) {
        return HttpResponse.of(trailersOnly(Status.UNIMPLEMENTED.withDescription(
            "Method not found: " + ctx.path().substring(1) + ". This gateway serves easyremote.v1.Gateway, easyremote.v1.NodeLink, "
                + "grpc.health.v1.Health and server reflection (grpc.reflection.v1 and v1alpha).")));
      }
      return delegate.serve(ctx, req);
    };
  }

  @Override
  public HttpResponse onServiceException(ServiceRequestContext ctx, Throwable cause) {
    if (ctx == null || !isGrpc(ctx.request().headers())) {
      return null;
    }
    return HttpResponse.of(trailersOnly(statusOf(cause)));
  }

  @Override
  public AggregatedHttpResponse renderStatus(ServiceRequestContext ctx, ServiceConfig config, RequestHeaders headers,
      HttpStatus status, String description, Throwable cause) {
    if (headers == null || !isGrpc(headers)) {
      return null;
    }
    Status grpc = switch (status.code()) {
      case 404, 405 -> Status.UNIMPLEMENTED;
      case 408, 504 -> Status.DEADLINE_EXCEEDED;
      case 413 -> Status.RESOURCE_EXHAUSTED;
      case 401 -> Status.UNAUTHENTICATED;
      case 403 -> Status.PERMISSION_DENIED;
      case 429, 502, 503 -> Status.UNAVAILABLE;
      default -> status.code() < 500 ? Status.INVALID_ARGUMENT : Status.INTERNAL;
    };
    return AggregatedHttpResponse.of(trailersOnly(grpc.withDescription(description != null ? description : status.reasonPhrase())));
  }

  /** The status for a failure Armeria raised: a reset stream is the caller's cancel; a timeout, a deadline. */
  static Status statusOf(Throwable failure) {
    Throwable cause = failure instanceof CompletionException && failure.getCause() != null ? failure.getCause() : failure;
    if (cause instanceof RequestTimeoutException) {
      return Status.DEADLINE_EXCEEDED.withDescription("The call passed its deadline in the gateway.");
    }
    if (cause instanceof ClosedStreamException || cause instanceof CancellationException
        || cause instanceof com.linecorp.armeria.common.CancellationException) {
      return Status.CANCELLED.withDescription("The caller cancelled the call.");
    }
    return Status.fromThrowable(cause);
  }

  static boolean isGrpc(RequestHeaders headers) {
    String type = headers.get("content-type");
    return type != null && type.regionMatches(true, 0, "application/grpc", 0, "application/grpc".length());
  }

  /** A gRPC response that is only headers: HTTP 200, {@code grpc-status} and a percent-encoded {@code grpc-message}. */
  static ResponseHeaders trailersOnly(Status status) {
    com.linecorp.armeria.common.ResponseHeadersBuilder headers = ResponseHeaders.builder(HttpStatus.OK).contentType(GRPC).endOfStream(true)
        .add("grpc-status", String.valueOf(status.getCode().value()));
    if (status.getDescription() != null) {
      headers.add("grpc-message", percentEncode(status.getDescription()));
    }
    return headers.build();
  }

  /** grpc-message encoding: printable ASCII except '%' as is, everything else as %XX of its UTF-8 bytes. */
  static String percentEncode(String message) {
    StringBuilder out = new StringBuilder(message.length());
    for (byte b : message.getBytes(StandardCharsets.UTF_8)) {
      int c = b & 0xff;
      if (c >= 0x20 && c < 0x7f && c != '%') {
        out.append((char) c);
      } else {
        out.append('%').append(Character.toUpperCase(Character.forDigit(c >> 4, 16))).append(Character.toUpperCase(Character.forDigit(c & 0xf, 16)));
      }
    }
    return out.toString();
  }
}
