package io.easyremote.gateway.internal.http;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.linecorp.armeria.common.HttpData;
import com.linecorp.armeria.common.HttpResponse;
import com.linecorp.armeria.common.HttpStatus;
import com.linecorp.armeria.common.MediaType;
import com.linecorp.armeria.server.ServerBuilder;
import com.linecorp.armeria.server.file.FileService;
import io.easyremote.gateway.internal.core.CallScheduler;
import io.easyremote.gateway.internal.core.StatusViews;
import io.easyremote.gateway.internal.metrics.CallMetrics;
import io.easyremote.gateway.internal.openapi.OpenApiDocument;
import io.easyremote.protocol.ErrorCode;
import io.easyremote.protocol.internal.Json;
import io.easyremote.protocol.internal.Wire;
import io.easyremote.protocol.wire.NodeInfo;
import java.time.Duration;
import java.util.stream.Collectors;

/**
 * The HTTP surface on the gateway's one port: REST calls, SSE streams, status JSON, OpenAPI,
 * Prometheus metrics, health, and the dashboard's static assets. It only translates; routing and
 * everything else stay in the scheduler.
 */
public final class HttpFrontEnd {
  private static final org.slf4j.Logger log = org.slf4j.LoggerFactory.getLogger(HttpFrontEnd.class);

  private final RestCalls calls;
  private final StatusViews status;
  private final CallMetrics metrics;
  private final RecentCalls recent;

  public HttpFrontEnd(RestCalls calls, StatusViews status, CallMetrics metrics, RecentCalls recent) {
    this.calls = calls;
    this.status = status;
    this.metrics = metrics;
    this.recent = recent;
  }

  /** Adds every route to the server being built. */
  public void addTo(ServerBuilder server) {
    server.errorHandler(new JsonErrors());
    // A bug in a handler answers with the usual JSON error instead of Armeria's bare text 500.
    server.decorator((delegate, ctx, req) -> {
      try {
        return delegate.serve(ctx, req);
      } catch (RuntimeException e) {
        log.warn("Unexpected failure serving {}", ctx.path(), e);
        return HttpErrors.response(ErrorCode.INTERNAL, "The gateway failed to serve " + ctx.path() + ": " + e);
      }
    });
    server.service("/api/nodes/{node}/{function}", (ctx, req) -> post(req.method().name(),
        () -> calls.serve(ctx, req, ctx.pathParam("function"), ctx.pathParam("node"), false)));
    server.service("/api/{function}/stream", (ctx, req) -> post(req.method().name(),
        () -> calls.serve(ctx, req, ctx.pathParam("function"), null, true)));
    server.service("/api/{function}", (ctx, req) -> {
      String function = ctx.pathParam("function");
      if (req.method().name().equals("GET")) {
        return switch (function) {
          case "functions" -> json(status.functions().stream().map(Wire::fromWire).collect(Collectors.toList()));
          case "nodes" -> json(status.nodes().stream().map(Wire::fromWire).collect(Collectors.toList()));
          case "calls" -> json(recent.toJson());
          default -> HttpErrors.response(ErrorCode.INVALID_REQUEST, "Call functions with POST /api/" + function + ".");
        };
      }
      return post(req.method().name(), () -> calls.serve(ctx, req, function, null, false));
    });
    server.service("/api/nodes/{node}", (ctx, req) -> {
      NodeInfo node = status.node(ctx.pathParam("node"));
      return node == null
          ? HttpErrors.response(ErrorCode.NO_NODE_AVAILABLE, "No node '" + ctx.pathParam("node") + "' is connected.")
          : json(Wire.fromWire(node));
    });
    server.service("/openapi.json", (ctx, req) -> json(OpenApiDocument.of(status.functions())));
    server.service("/metrics", (ctx, req) -> HttpResponse.of(HttpStatus.OK,
        MediaType.parse("text/plain; version=0.0.4; charset=utf-8"), metrics.scrape()));
    server.service("/healthz", (ctx, req) -> json(Json.mapper().createObjectNode().put("status", "ok")
        .put("nodes", status.nodes().size())));
    server.serviceUnder("/", FileService.builder(HttpFrontEnd.class.getClassLoader(), "io/easyremote/gateway/dashboard")
        .cacheControl("no-cache").build());
  }

  /** Errors Armeria raises itself (a body over the limit, say) still answer in our JSON shape on /api routes. */
  private static final class JsonErrors implements com.linecorp.armeria.server.ServerErrorHandler {
    @Override
    public HttpResponse onServiceException(com.linecorp.armeria.server.ServiceRequestContext ctx, Throwable cause) {
      if (cause instanceof com.linecorp.armeria.common.ContentTooLargeException) {
        return HttpErrors.response(ErrorCode.PAYLOAD_TOO_LARGE, "The request body is larger than the gateway's limit.");
      }
      return null;
    }

    @Override
    public com.linecorp.armeria.common.AggregatedHttpResponse renderStatus(com.linecorp.armeria.server.ServiceRequestContext ctx,
        com.linecorp.armeria.server.ServiceConfig config, com.linecorp.armeria.common.RequestHeaders headers, HttpStatus status,
        String description, Throwable cause) {
      if (ctx == null || !ctx.path().startsWith("/api/")) {
        return null;
      }
      ErrorCode code = status.code() == 413 ? ErrorCode.PAYLOAD_TOO_LARGE : status.code() == 404 ? ErrorCode.FUNCTION_NOT_FOUND
          : status.code() == 503 ? ErrorCode.UNAVAILABLE : status.code() < 500 ? ErrorCode.INVALID_REQUEST : ErrorCode.INTERNAL;
      String message = code == ErrorCode.PAYLOAD_TOO_LARGE ? "The request body is larger than the gateway's limit."
          : description != null ? description : status.reasonPhrase();
      return HttpErrors.response(code, message).aggregate().join();
    }
  }

  private interface Handler {
    HttpResponse handle();
  }

  private static HttpResponse post(String method, Handler handler) {
    if (!method.equals("POST")) {
      return HttpErrors.response(ErrorCode.INVALID_REQUEST, "Use POST to call a function (got " + method + ").");
    }
    return handler.handle();
  }

  private static HttpResponse json(Object value) {
    try {
      return HttpResponse.of(HttpStatus.OK, MediaType.JSON_UTF_8, HttpData.wrap(Json.mapper().writeValueAsBytes(value)));
    } catch (JsonProcessingException e) {
      return HttpErrors.response(ErrorCode.INTERNAL, "Cannot encode the response: " + e.getOriginalMessage());
    }
  }

}
