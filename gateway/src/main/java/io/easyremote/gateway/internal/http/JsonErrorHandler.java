package io.easyremote.gateway.internal.http;

import com.linecorp.armeria.common.AggregatedHttpResponse;
import com.linecorp.armeria.common.HttpResponse;
import com.linecorp.armeria.common.HttpStatus;
import com.linecorp.armeria.common.RequestHeaders;
import com.linecorp.armeria.server.HttpStatusException;
import com.linecorp.armeria.server.ServerErrorHandler;
import com.linecorp.armeria.server.ServiceConfig;
import com.linecorp.armeria.server.ServiceRequestContext;
import io.easyremote.protocol.ErrorCode;
import io.easyremote.protocol.internal.Wire;
import io.easyremote.protocol.wire.Error;

/**
 * Errors Armeria raises itself (a body over the route's limit, a request timeout, an unmatched
 * route under {@code /api/}) answer in the same JSON shape and with the same status table as the
 * gateway's own errors. Everything else (gRPC, static files) keeps Armeria's default handling.
 */
final class JsonErrorHandler implements ServerErrorHandler {
  private final long maxPayloadBytes;

  JsonErrorHandler(long maxPayloadBytes) {
    this.maxPayloadBytes = maxPayloadBytes;
  }

  @Override
  public HttpResponse onServiceException(ServiceRequestContext ctx, Throwable cause) {
    if (!isHttpApi(ctx)) {
      return null;
    }
    if (cause instanceof HttpStatusException status) {
      return HttpErrors.response(statusError(ctx, status.httpStatus(), null));
    }
    Error error = HttpErrors.ofFailure(cause, maxPayloadBytes);
    return error.getCode() == Wire.toWire(ErrorCode.INVALID_REQUEST) ? null : HttpErrors.response(error);
  }

  @Override
  public AggregatedHttpResponse renderStatus(ServiceRequestContext ctx, ServiceConfig config, RequestHeaders headers,
      HttpStatus status, String description, Throwable cause) {
    if (ctx == null) {
      // Refused before any route was chosen (a request line or headers too long, a malformed
      // request): nothing says which API it was for, and JSON is readable by every client.
      ErrorCode code = status.code() == 413 ? ErrorCode.PAYLOAD_TOO_LARGE : status.code() < 500 ? ErrorCode.INVALID_REQUEST : ErrorCode.INTERNAL;
      String message = switch (status.code()) {
        case 414 -> "The request URI is too long; function names are at most 128 characters.";
        case 431 -> "The request headers are too large.";
        default -> "The request was refused: " + status.reasonPhrase() + ".";
      };
      return HttpErrors.response(Wire.error(code, message), status).aggregate().join();
    }
    if (!isHttpApi(ctx)) {
      return null;
    }
    return HttpErrors.response(statusError(ctx, status, description)).aggregate().join();
  }

  /** Our error for a bare HTTP status Armeria chose. */
  private Error statusError(ServiceRequestContext ctx, HttpStatus status, String description) {
    ErrorCode code = switch (status.code()) {
      case 413 -> ErrorCode.PAYLOAD_TOO_LARGE;
      case 404 -> ErrorCode.FUNCTION_NOT_FOUND;
      case 408, 504 -> ErrorCode.DEADLINE_EXCEEDED;
      case 503 -> ErrorCode.UNAVAILABLE;
      default -> status.code() < 500 ? ErrorCode.INVALID_REQUEST : ErrorCode.INTERNAL;
    };
    String message = switch (code) {
      case PAYLOAD_TOO_LARGE -> "The request body is larger than the gateway's limit of " + maxPayloadBytes + " bytes.";
      case FUNCTION_NOT_FOUND -> "No route for " + ctx.path() + ": call functions with POST /api/{function}.";
      default -> description != null ? description : status.reasonPhrase();
    };
    return Wire.error(code, message);
  }

  private static boolean isHttpApi(ServiceRequestContext ctx) {
    return ctx != null && ctx.path().startsWith("/api/");
  }
}
