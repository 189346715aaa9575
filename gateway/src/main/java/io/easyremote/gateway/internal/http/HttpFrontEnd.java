package io.easyremote.gateway.internal.http;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.linecorp.armeria.common.HttpData;
import com.linecorp.armeria.common.HttpMethod;
import com.linecorp.armeria.common.HttpResponse;
import com.linecorp.armeria.common.HttpStatus;
import com.linecorp.armeria.common.MediaType;
import com.linecorp.armeria.server.HttpService;
import com.linecorp.armeria.server.ServerBuilder;
import com.linecorp.armeria.server.ServiceRequestContext;
import com.linecorp.armeria.server.file.FileService;
import com.linecorp.armeria.server.file.HttpFile;
import io.easyremote.gateway.internal.core.CallGrant;
import io.easyremote.gateway.internal.core.CallScheduler;
import io.easyremote.gateway.internal.core.Permission;
import io.easyremote.gateway.internal.core.StatusViews;
import io.easyremote.gateway.internal.security.CallerAuthentication;
import io.easyremote.gateway.internal.security.Denials;
import io.easyremote.gateway.internal.security.NodeAdmission;
import com.linecorp.armeria.common.HttpRequest;
import io.easyremote.gateway.internal.dashboard.DashboardSnapshot;
import io.easyremote.gateway.internal.dashboard.RecentCalls;
import io.easyremote.gateway.internal.metrics.CallMetrics;
import io.easyremote.protocol.ErrorCode;
import io.easyremote.protocol.internal.Json;
import io.easyremote.protocol.internal.Wire;
import io.easyremote.protocol.wire.NodeInfo;
import java.time.Duration;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The HTTP surface on the gateway's one port. It only translates; routing, queueing and health
 * stay in the scheduler.
 *
 * <table>
 *   <caption>Routes</caption>
 *   <tr><td>{@code POST /api/{function}}, {@code POST /api/nodes/{node}/{function}}</td><td>a call ({@link RestCalls}); also
 *       {@code GET} with the arguments in the query for functions taking only scalars ({@link CallMethods}), 405 for other methods</td></tr>
 *   <tr><td>{@code POST /api/{function}/stream}, {@code .../{function}/stream} pinned</td><td>a stream as SSE</td></tr>
 *   <tr><td>{@code POST /api/{function}/map}</td><td>the function over a JSON array of argument lists, as NDJSON or SSE ({@link MapCalls})</td></tr>
 *   <tr><td>{@code GET /api/functions}, {@code /api/nodes}, {@code /api/nodes/{id}}</td><td>the status API as JSON</td></tr>
 *   <tr><td>{@code GET /api/calls/recent}, {@code /api/dashboard}</td><td>what the dashboard shows</td></tr>
 *   <tr><td>{@code GET /openapi.json}, {@code /docs}</td><td>OpenAPI 3.1 of the registered functions, and a page rendering it</td></tr>
 *   <tr><td>{@code GET /metrics}, {@code /healthz}, {@code /}</td><td>Prometheus, health, the dashboard</td></tr>
 * </table>
 *
 * <p>Listings, operator views and operations are authorized like calls ({@code docs/security.md}):
 * the function list and OpenAPI show only what the caller may call unless it may list everything;
 * node lists and details need {@link Permission#LIST}, the dashboard, recent calls and metrics
 * {@link Permission#MONITOR}, releasing a held name {@link Permission#ADMINISTER}. The static
 * dashboard page itself holds no data; it asks for a key when its data is refused.
 *
 * <p>Every HTTP route has its own request-size limit and timeout (the server-wide ones are off,
 * because a node link is one long gRPC request): calls accept bodies up to the gateway's payload
 * limit and run until their deadline; everything else accepts {@value #SMALL_BODY_BYTES} bytes and
 * answers within {@link #STATUS_TIMEOUT}.
 */
public final class HttpFrontEnd {
  private static final Logger log = LoggerFactory.getLogger(HttpFrontEnd.class);
  private static final int SMALL_BODY_BYTES = 64 * 1024;
  private static final Duration STATUS_TIMEOUT = Duration.ofSeconds(10);
  private static final String ASSETS = "io/easyremote/gateway/dashboard";
  private static final MediaType PROMETHEUS_TEXT = MediaType.parse("text/plain; version=0.0.4; charset=utf-8");

  private final RestCalls calls;
  private final StatusViews status;
  private final CallMetrics metrics;
  private final DashboardSnapshot dashboard;
  private final RecentCalls recent;
  private final CallScheduler scheduler;
  private JobRoutes jobs;
  private CreditRoutes credits;
  private final CallMethods methods;
  private final OpenApiRoute openApi;

  public HttpFrontEnd(RestCalls calls, StatusViews status, CallMetrics metrics, DashboardSnapshot dashboard, RecentCalls recent,
      CallScheduler scheduler) {
    this.scheduler = scheduler;
    this.calls = calls;
    this.methods = new CallMethods(calls, status);
    this.openApi = new OpenApiRoute(calls, status);
    this.status = status;
    this.metrics = metrics;
    this.dashboard = dashboard;
    this.recent = recent;
  }

  /** Serves async jobs too ({@link JobRoutes}): a gateway with a state store. */
  public HttpFrontEnd withJobs(JobRoutes jobRoutes) {
    this.jobs = jobRoutes;
    return this;
  }

  /** Serves the credits routes too ({@link CreditRoutes}): a gateway with credits on. */
  public HttpFrontEnd withCredits(CreditRoutes creditRoutes) {
    this.credits = creditRoutes;
    return this;
  }

  /** A POST that asks to run as an async job goes to {@link JobRoutes}; null when it does not (or jobs are off). */
  private HttpResponse asJob(ServiceRequestContext ctx, com.linecorp.armeria.common.HttpRequest req, String function, String node) {
    if (req.method() != HttpMethod.POST || !JobRoutes.wantsAsync(ctx, req)) {
      return null;
    }
    if (jobs == null) {
      return HttpErrors.response(ErrorCode.INVALID_REQUEST, "This gateway keeps no state, so it cannot run async jobs: "
          + "start it with a state directory (easyremote gateway --state DIR, Gateway.builder().state(dir)).");
    }
    return jobs.submit(ctx, req, function, node, calls.maxPayloadBytes());
  }

  /** Adds every HTTP route, its limits and the JSON error handler to the server being built. */
  public void addTo(ServerBuilder server) {
    server.errorHandler(new JsonErrorHandler(calls.maxPayloadBytes()));
    Function<HttpService, HttpService> call = limits(calls.maxPayloadBytes(), null);
    Function<HttpService, HttpService> small = limits(SMALL_BODY_BYTES, STATUS_TIMEOUT);

    if (jobs != null) {
      jobs.addTo(server, small);
    }
    if (credits != null) {
      credits.addTo(server, small);
    }
    server.service("/api/nodes/{node}/{function}", call.apply((ctx, req) -> {
      HttpResponse job = asJob(ctx, req, ctx.pathParam("function"), ctx.pathParam("node"));
      return job != null ? job : methods.serve(ctx, req, ctx.pathParam("function"), ctx.pathParam("node"), false);
    }));
    server.service("/api/nodes/{node}/{function}/stream", call.apply((ctx, req) ->
        methods.serve(ctx, req, ctx.pathParam("function"), ctx.pathParam("node"), true)));
    server.service("/api/{function}/map", call.apply(new MapCalls(calls)));
    server.service("/api/{function}/stream", call.apply((ctx, req) -> methods.serve(ctx, req, ctx.pathParam("function"), null, true)));
    server.service("/api/{function}", call.apply((ctx, req) -> {
      String function = ctx.pathParam("function");
      if (req.method() == HttpMethod.GET) {
        ctx.setRequestTimeout(STATUS_TIMEOUT);
        switch (function) {
          case "functions":
            return authorized(ctx, req, null, grant -> json(status.clusterFunctions(grant).stream().map(Wire::fromWire).toList()));
          case "nodes":
            return authorized(ctx, req, Permission.LIST, grant -> json(status.clusterNodes().stream().map(Wire::fromWire).toList()));
          case "dashboard":
            // The credits section reads the store, and names every account's balance: an admin's only, even when status is public.
            return authorized(ctx, req, Permission.MONITOR, grant -> HttpResponse.of(java.util.concurrent.CompletableFuture.supplyAsync(
                () -> json(dashboard.toJson(grant.may(Permission.ADMINISTER))), ctx.blockingTaskExecutor())));
          default:
            break; // a call with its arguments in the query
        }
      }
      HttpResponse job = asJob(ctx, req, function, null);
      return job != null ? job : methods.serve(ctx, req, function, null, false);
    }));
    server.service("/api/nodes/{node}", small.apply((ctx, req) -> authorized(ctx, req, Permission.LIST, grant -> {
      NodeInfo node = status.node(ctx.pathParam("node"));
      return node == null
          ? HttpErrors.response(Wire.error(ErrorCode.NO_NODE_AVAILABLE, "No node '" + ctx.pathParam("node") + "' is connected."),
              HttpStatus.NOT_FOUND)
          : json(Wire.fromWire(node));
    })));
    server.service("/api/calls/recent", small.apply((ctx, req) -> authorized(ctx, req, Permission.MONITOR,
        grant -> json(recent.toJson(RecentCalls.CAPACITY)))));
    server.service("/api/admin/release", small.apply((ctx, req) -> authorized(ctx, req, Permission.ADMINISTER,
        grant -> release(ctx, req))));
    server.service("/openapi.json", small.apply((ctx, req) -> authorized(ctx, req, null,
        grant -> json(openApi.document(ctx, req, grant)))));
    server.service("/metrics", small.apply((ctx, req) -> authorized(ctx, req, Permission.MONITOR,
        grant -> HttpResponse.of(HttpStatus.OK, PROMETHEUS_TEXT, metrics.scrape()))));
    server.service("/healthz", small.apply((ctx, req) -> authorized(ctx, req, null, grant -> {
      var health = Json.mapper().createObjectNode().put("status", "ok");
      if (grant.may(Permission.LIST)) {
        health.put("nodes", status.nodes().size());
      }
      return json(health);
    })));
    server.serviceUnder("/api/", small.apply((ctx, req) -> HttpErrors.response(ErrorCode.FUNCTION_NOT_FOUND,
        "No route for " + req.method() + " " + ctx.path() + ": call functions with POST /api/{function}.")));
    server.service("/docs", small.apply(HttpFile.of(HttpFrontEnd.class.getClassLoader(), ASSETS + "/docs.html").asService()));
    server.serviceUnder("/", small.apply(FileService.builder(HttpFrontEnd.class.getClassLoader(), ASSETS)
        .cacheControl("no-cache").build()));
  }

  /**
   * Per-route limits (null timeout = the route sets its own) and a JSON 500 instead of Armeria's
   * bare one when a handler throws.
   */
  private static Function<HttpService, HttpService> limits(long maxRequestBytes, Duration timeout) {
    return service -> service.decorate((delegate, ctx, req) -> {
      ctx.setMaxRequestLength(maxRequestBytes);
      if (timeout != null) {
        ctx.setRequestTimeout(timeout);
      }
      try {
        return delegate.serve(ctx, req);
      } catch (RuntimeException e) {
        log.warn("Unexpected failure serving {} {}", req.method(), ctx.path(), e);
        return HttpErrors.response(ErrorCode.INTERNAL, "The gateway failed to serve " + ctx.path() + ": " + e);
      }
    });
  }

  /**
   * Serves {@code handler} when the caller may do what {@code permission} covers (null: anyone
   * whose key, if any, is valid); otherwise 401 without a key, 403 with one.
   */
  private HttpResponse authorized(ServiceRequestContext ctx, HttpRequest req, Permission permission,
      Function<CallGrant, HttpResponse> handler) {
    CallGrant grant;
    try {
      grant = calls.grantOf(ctx, req);
    } catch (CallerAuthentication.InvalidKeyException e) {
      return HttpErrors.response(ErrorCode.UNAUTHENTICATED, e.getMessage());
    }
    if (permission != null && !grant.may(permission)) {
      NodeAdmission.audit().warn("DENY {} {} from {} with key '{}'", req.method(), ctx.path(), ctx.clientAddress().getHostAddress(),
          grant.principal() == null ? "-" : grant.principal());
      return HttpErrors.response(Denials.error(grant, permission));
    }
    return handler.apply(grant);
  }

  /** {@code POST /api/admin/release} with {@code {"name": "..."}}: a held function name or node id is free again. */
  private HttpResponse release(ServiceRequestContext ctx, HttpRequest req) {
    if (req.method() != HttpMethod.POST) {
      return HttpErrors.response(ErrorCode.INVALID_REQUEST, "Use POST /api/admin/release with {\"name\": \"...\"}.");
    }
    return HttpResponse.of(req.aggregate().thenApply(body -> {
      String name;
      try {
        name = Json.mapper().readTree(body.contentUtf8()).path("name").asText("");
      } catch (JsonProcessingException e) {
        return HttpErrors.response(ErrorCode.INVALID_REQUEST, "The body must be JSON: {\"name\": \"...\"}.");
      }
      if (name.isEmpty() || name.length() > 128) {
        return HttpErrors.response(ErrorCode.INVALID_REQUEST, "Name the function or node id to release: {\"name\": \"...\"}.");
      }
      boolean released = scheduler.release(name);
      return json(Json.mapper().createObjectNode().put("name", name).put("released", released));
    }));
  }

  private static HttpResponse json(Object value) {
    try {
      return HttpResponse.of(HttpStatus.OK, MediaType.JSON_UTF_8, HttpData.wrap(Json.mapper().writeValueAsBytes(value)));
    } catch (JsonProcessingException e) {
      return HttpErrors.response(ErrorCode.INTERNAL, "Cannot encode the response: " + e.getOriginalMessage());
    }
  }
}
