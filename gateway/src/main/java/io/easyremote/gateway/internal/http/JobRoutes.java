package io.easyremote.gateway.internal.http;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.google.protobuf.UnsafeByteOperations;
import com.linecorp.armeria.common.AggregatedHttpRequest;
import com.linecorp.armeria.common.HttpData;
import com.linecorp.armeria.common.HttpHeaderNames;
import com.linecorp.armeria.common.HttpMethod;
import com.linecorp.armeria.common.HttpRequest;
import com.linecorp.armeria.common.HttpResponse;
import com.linecorp.armeria.common.HttpResponseWriter;
import com.linecorp.armeria.common.HttpStatus;
import com.linecorp.armeria.common.MediaType;
import com.linecorp.armeria.common.ResponseHeaders;
import com.linecorp.armeria.server.HttpService;
import com.linecorp.armeria.server.ServerBuilder;
import com.linecorp.armeria.server.ServiceRequestContext;
import io.easyremote.gateway.internal.core.CallGrant;
import io.easyremote.gateway.internal.jobs.JobError;
import io.easyremote.gateway.internal.jobs.JobService;
import io.easyremote.gateway.internal.security.CallerAuthentication;
import io.easyremote.protocol.ErrorCode;
import io.easyremote.protocol.internal.Json;
import io.easyremote.protocol.wire.CallRequest;
import io.easyremote.protocol.wire.Encoding;
import io.easyremote.protocol.wire.JobState;
import io.easyremote.protocol.wire.JobStatus;
import io.easyremote.protocol.wire.Payload;
import io.easyremote.protocol.wire.SubmitJobRequest;
import java.time.Instant;
import java.util.Base64;
import java.util.Locale;
import java.util.concurrent.CompletableFuture;
import java.util.function.Function;

/**
 * Async jobs over HTTP:
 *
 * <ul>
 *   <li>{@code POST /api/{function}} (or {@code /api/nodes/{node}/{function}}) with
 *       {@code Prefer: respond-async} or {@code ?async=true}: {@code 202 Accepted},
 *       {@code Location: /api/jobs/{id}} and the job's status, once it is stored. The call
 *       options are those of a plain call; {@code timeout} is the job's own deadline.
 *   <li>{@code GET /api/jobs/{id}}: its status as JSON: {@code state} is {@code queued} (with
 *       {@code position}), {@code running} ({@code nodeId} once a node runs it), {@code succeeded}
 *       ({@code result}), {@code failed} ({@code error.code}), {@code cancelled} or {@code expired}.
 *   <li>{@code DELETE /api/jobs/{id}}: cancels it; answers its status afterwards.
 *   <li>{@code GET /api/jobs/{id}/events}: Server-Sent Events, a {@code status} event now and on
 *       each change, the last one final.
 * </ul>
 *
 * Only the key that submitted a job may see it; anyone else gets {@code 404 JOB_NOT_FOUND}.
 */
public final class JobRoutes {
  private final JobService jobs;
  private final CallerAuthentication authentication;

  public JobRoutes(JobService jobs, CallerAuthentication authentication) {
    this.jobs = jobs;
    this.authentication = authentication;
  }

  /** Whether a POST asks to run as a job. */
  static boolean wantsAsync(ServiceRequestContext ctx, HttpRequest req) {
    String async = ctx.queryParam("async");
    if (async != null) {
      return async.isEmpty() || async.equalsIgnoreCase("true");
    }
    for (String prefer : req.headers().getAll(HttpHeaderNames.PREFER)) {
      for (String token : prefer.split(",")) {
        if (token.trim().toLowerCase(Locale.ROOT).startsWith("respond-async")) {
          return true;
        }
      }
    }
    return false;
  }

  /** Stores the request as a job; 202 once stored. */
  HttpResponse submit(ServiceRequestContext ctx, HttpRequest req, String function, String node, int maxPayloadBytes) {
    HttpOptions options;
    CallGrant grant;
    try {
      options = HttpOptions.parse(req.headers(), ctx.queryParams());
      grant = authenticate(ctx, req);
    } catch (IllegalArgumentException e) {
      return HttpErrors.response(ErrorCode.INVALID_REQUEST, e.getMessage());
    } catch (CallerAuthentication.InvalidKeyException e) {
      return HttpErrors.response(ErrorCode.UNAUTHENTICATED, e.getMessage());
    }
    CompletableFuture<HttpResponse> response = req.aggregate().thenCompose(body -> {
      CallRequest.Builder call = CallRequest.newBuilder().setFunction(function).setPayload(payload(body));
      if (node != null) {
        call.setNodeId(node);
      }
      if (options.strategy() != null) {
        call.setStrategy(options.strategy().wireName());
      }
      if (options.idempotencyKey() != null) {
        call.setIdempotencyKey(options.idempotencyKey());
      }
      if (!options.requirements().isEmpty()) {
        call.setRequirements(io.easyremote.protocol.wire.Requirements.newBuilder()
            .putAllLabels(options.requirements().labels()).setMaxCost(options.requirements().maxCost()));
      }
      SubmitJobRequest submit = SubmitJobRequest.newBuilder().setCall(call)
          .setTimeoutMs(options.timeout() == null ? 0 : options.timeout().toMillis()).build();
      return jobs.submit(submit, grant);
    }).handle((status, failure) -> {
      if (failure != null) {
        Throwable cause = failure.getCause() != null ? failure.getCause() : failure;
        return cause instanceof JobError j ? HttpErrors.response(j.error())
            : HttpErrors.response(HttpErrors.ofFailure(failure, maxPayloadBytes));
      }
      return HttpResponse.of(ResponseHeaders.builder(HttpStatus.ACCEPTED)
          .contentType(MediaType.JSON_UTF_8)
          .add(HttpHeaderNames.LOCATION, "/api/jobs/" + status.getJobId())
          .add("preference-applied", "respond-async")
          .build(), HttpData.ofUtf8(text(toJson(status))));
    });
    return HttpResponse.of(response);
  }

  /** The job routes, each limited by {@code small}. */
  void addTo(ServerBuilder server, Function<HttpService, HttpService> small) {
    server.service("/api/jobs/{id}", small.apply((ctx, req) -> {
      String id = ctx.pathParam("id");
      try {
        CallGrant grant = authenticate(ctx, req);
        if (req.method() == HttpMethod.GET) {
          return json(jobs.get(id, grant));
        }
        if (req.method() == HttpMethod.DELETE) {
          return HttpResponse.of(jobs.cancel(id, grant)
              .orTimeout(10, java.util.concurrent.TimeUnit.SECONDS)
              .handle((status, failure) -> failure == null ? json(status) : json(jobs.get(id, grant))));
        }
        return HttpErrors.response(ErrorCode.INVALID_REQUEST, "Use GET to read job " + id + " or DELETE to cancel it (got "
            + req.method() + ").");
      } catch (JobError e) {
        return HttpErrors.response(e.error());
      } catch (CallerAuthentication.InvalidKeyException e) {
        return HttpErrors.response(ErrorCode.UNAUTHENTICATED, e.getMessage());
      }
    }));
    server.service("/api/jobs/{id}/events", small.apply((ctx, req) -> {
      if (req.method() != HttpMethod.GET) {
        return HttpErrors.response(ErrorCode.INVALID_REQUEST, "Use GET to follow a job's events (got " + req.method() + ").");
      }
      try {
        return events(ctx, ctx.pathParam("id"), authenticate(ctx, req));
      } catch (JobError e) {
        return HttpErrors.response(e.error());
      } catch (CallerAuthentication.InvalidKeyException e) {
        return HttpErrors.response(ErrorCode.UNAUTHENTICATED, e.getMessage());
      }
    }));
  }

  /** A {@code status} event now and on each change; the stream ends after a final state. */
  private HttpResponse events(ServiceRequestContext ctx, String id, CallGrant grant) {
    HttpResponseWriter out = HttpResponse.streaming();
    java.util.concurrent.atomic.AtomicBoolean headersSent = new java.util.concurrent.atomic.AtomicBoolean();
    Runnable stop = jobs.watch(id, grant, status -> {
      HttpData event = SseStreamReply.event("status", text(toJson(status)));
      boolean last = JobService.isFinal(status.getState());
      ctx.eventLoop().execute(() -> {
        if (headersSent.compareAndSet(false, true)) {
          out.tryWrite(ResponseHeaders.builder(HttpStatus.OK).contentType(MediaType.EVENT_STREAM)
              .add(HttpHeaderNames.CACHE_CONTROL, "no-cache").add("x-accel-buffering", "no").build());
        }
        if (out.isOpen()) {
          out.tryWrite(event);
          if (last) {
            out.close();
          }
        }
      });
    });
    ctx.clearRequestTimeout(); // bounded by the job, not by the status timeout
    out.whenComplete().handle((ok, failure) -> {
      stop.run();
      return null;
    });
    return out;
  }

  private CallGrant authenticate(ServiceRequestContext ctx, HttpRequest req) throws CallerAuthentication.InvalidKeyException {
    return authentication.authenticate(req.headers().get("authorization"), String.valueOf(ctx.remoteAddress()));
  }

  private static Payload payload(AggregatedHttpRequest body) {
    MediaType type = body.contentType();
    boolean binary = type != null && type.is(MediaType.OCTET_STREAM);
    return Payload.newBuilder().setData(UnsafeByteOperations.unsafeWrap(body.content().array()))
        .setEncoding(binary ? Encoding.BINARY : Encoding.JSON).build();
  }

  private static HttpResponse json(JobStatus status) {
    return HttpResponse.of(HttpStatus.OK, MediaType.JSON_UTF_8, HttpData.ofUtf8(text(toJson(status))));
  }

  /**
   * A job's status as JSON: {@code id, function, state, position?, nodeId?, attempts, createdAt,
   * startedAt?, finishedAt?, expiresAt?, result? (the JSON value, or base64 text with
   * resultEncoding "base64"), error? (as HTTP errors are written)}.
   */
  public static ObjectNode toJson(JobStatus status) {
    ObjectNode json = Json.mapper().createObjectNode();
    json.put("id", status.getJobId());
    json.put("function", status.getFunction());
    json.put("state", stateName(status.getState()));
    if (status.getState() == JobState.JOB_QUEUED) {
      json.put("position", status.getQueuePosition());
    }
    if (!status.getNodeId().isEmpty()) {
      json.put("nodeId", status.getNodeId());
    }
    json.put("attempts", status.getAttempts());
    time(json, "createdAt", status.getCreatedAtMs());
    time(json, "startedAt", status.getStartedAtMs());
    time(json, "finishedAt", status.getFinishedAtMs());
    time(json, "expiresAt", status.getExpiresAtMs());
    if (status.hasResult()) {
      Payload result = status.getResult();
      if (result.getEncoding() == Encoding.BINARY) {
        json.put("result", Base64.getEncoder().encodeToString(result.getData().toByteArray()));
        json.put("resultEncoding", "base64");
      } else {
        try {
          JsonNode value = result.getData().isEmpty() ? Json.mapper().nullNode() : Json.mapper().readTree(result.getData().toByteArray());
          json.set("result", value);
        } catch (java.io.IOException e) {
          json.put("result", result.getData().toStringUtf8());
        }
      }
    }
    if (status.hasError()) {
      json.set("error", HttpErrors.body(status.getError()));
    }
    return json;
  }

  /** {@code queued}, {@code running}, {@code succeeded}, {@code failed}, {@code cancelled}, {@code expired}. */
  public static String stateName(JobState state) {
    return state.name().substring("JOB_".length()).toLowerCase(Locale.ROOT);
  }

  private static void time(ObjectNode json, String field, long millis) {
    if (millis > 0) {
      json.put(field, Instant.ofEpochMilli(millis).toString());
    }
  }

  private static String text(ObjectNode json) {
    try {
      return Json.mapper().writeValueAsString(json);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("Cannot encode a job status", e);
    }
  }
}
