package io.easyremote.gateway.internal.http;

import com.fasterxml.jackson.databind.JsonNode;
import com.google.protobuf.ByteString;
import com.linecorp.armeria.common.AggregatedHttpRequest;
import com.linecorp.armeria.common.HttpMethod;
import com.linecorp.armeria.common.HttpRequest;
import com.linecorp.armeria.common.HttpResponse;
import com.linecorp.armeria.server.HttpService;
import com.linecorp.armeria.server.ServiceRequestContext;
import io.easyremote.gateway.internal.core.CallGrant;
import io.easyremote.gateway.internal.security.CallerAuthentication;
import io.easyremote.protocol.ErrorCode;
import io.easyremote.protocol.internal.Json;
import io.easyremote.protocol.wire.Payload;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * {@code POST /api/{function}/map}: the body is a JSON array of argument lists (each a JSON array
 * of positional arguments or an object of named ones), and each becomes an ordinary call of the
 * function, with the request's credentials, options ({@link HttpOptions}: the timeout is each
 * item's deadline, counted from when it is sent) and authorisation. The answer streams the
 * outcomes in input order as they complete ({@link MapReply}): NDJSON, or Server-Sent Events with
 * {@code Accept: text/event-stream}.
 *
 * <p>Bounds per request: at most {@value #MAX_ITEMS} items (else {@code 400 INVALID_REQUEST}),
 * at most {@code ?window=N} items in flight (default {@value #DEFAULT_WINDOW}, at most
 * {@value #MAX_WINDOW}), and the body within the gateway's payload limit. An idempotency key
 * becomes one key per item ({@code key#index}).
 */
final class MapCalls implements HttpService {
  /** The most items one request may map. */
  static final int MAX_ITEMS = 10_000;
  /** The most items of one request in flight at once. */
  static final int MAX_WINDOW = 64;
  /** Items in flight at once unless {@code ?window=} says otherwise. */
  static final int DEFAULT_WINDOW = 16;
  /** How long past the deadline the body upload may take, as a backstop. */
  private static final Duration BACKSTOP = Duration.ofSeconds(5);

  private final RestCalls calls;

  MapCalls(RestCalls calls) {
    this.calls = calls;
  }

  @Override
  public HttpResponse serve(ServiceRequestContext ctx, HttpRequest req) {
    if (req.method() != HttpMethod.POST) {
      return HttpErrors.response(ErrorCode.INVALID_REQUEST, "Use POST to map a function over a JSON array of argument lists (got "
          + req.method() + ").");
    }
    String function = ctx.pathParam("function");
    HttpOptions options;
    CallGrant grant;
    int window;
    try {
      options = HttpOptions.parse(req.headers(), ctx.queryParams());
      window = window(ctx.queryParams().get("window"));
      grant = calls.grantOf(ctx, req);
    } catch (IllegalArgumentException e) {
      return HttpErrors.response(ErrorCode.INVALID_REQUEST, e.getMessage());
    } catch (CallerAuthentication.InvalidKeyException e) {
      return HttpErrors.response(ErrorCode.UNAUTHENTICATED, e.getMessage());
    }
    Duration timeout = options.timeoutOr(calls.defaultDeadline());
    ctx.setRequestTimeout(timeout.plus(BACKSTOP)); // for the upload; the reply is bounded by its items' deadlines
    boolean sse = RestCalls.acceptsEventStream(req);
    CompletableFuture<HttpResponse> response = req.aggregate().handle((body, failure) -> {
      if (failure != null) {
        return HttpErrors.response(HttpErrors.ofFailure(failure, calls.maxPayloadBytes()));
      }
      List<Payload> items;
      try {
        items = items(function, body);
      } catch (IllegalArgumentException e) {
        return HttpErrors.response(ErrorCode.INVALID_REQUEST, e.getMessage());
      }
      ctx.clearRequestTimeout();
      String caller = grant.principal() != null ? grant.principal() : String.valueOf(ctx.clientAddress());
      return MapReply.start(calls.scheduler(), new MapReply.Plan(function, items, caller, timeout, options, grant, window), sse,
          ctx.eventLoop());
    });
    return HttpResponse.of(response);
  }

  private static int window(String text) {
    if (text == null || text.isEmpty()) {
      return DEFAULT_WINDOW;
    }
    int window;
    try {
      window = Integer.parseInt(text);
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("window must be a whole number of items, 1 to " + MAX_WINDOW + ", got '" + text + "'");
    }
    if (window < 1 || window > MAX_WINDOW) {
      throw new IllegalArgumentException("window must be 1 to " + MAX_WINDOW + " items in flight, got " + window);
    }
    return window;
  }

  /** Each item's payload, as the function's JSON arguments. */
  private static List<Payload> items(String function, AggregatedHttpRequest body) {
    JsonNode tree;
    try {
      tree = Json.mapper().readTree(body.content().array());
    } catch (IOException e) {
      throw new IllegalArgumentException("The body of a map of '" + function + "' is not JSON: " + e.getMessage().lines().findFirst().orElse(""));
    }
    if (tree == null || !tree.isArray()) {
      throw new IllegalArgumentException("The body of a map of '" + function
          + "' must be a JSON array of argument lists, e.g. [[1, 2], [3, 4]] or [{\"a\": 1}]");
    }
    if (tree.size() > MAX_ITEMS) {
      throw new IllegalArgumentException("A map may have at most " + MAX_ITEMS + " items per request; this one has " + tree.size()
          + ". Split it into several requests.");
    }
    List<Payload> items = new ArrayList<>(tree.size());
    for (int i = 0; i < tree.size(); i++) {
      JsonNode args = tree.get(i);
      if (!args.isArray() && !args.isObject()) {
        throw new IllegalArgumentException("Item " + i + " of the map of '" + function + "' must be a JSON array of arguments or an"
            + " object of named arguments, got " + args.getNodeType().name().toLowerCase(java.util.Locale.ROOT) + " " + abbreviated(args));
      }
      try {
        items.add(Payload.newBuilder().setData(ByteString.copyFrom(Json.mapper().writeValueAsBytes(args))).build());
      } catch (IOException e) {
        throw new IllegalArgumentException("Item " + i + " of the map of '" + function + "' cannot be encoded: " + e.getMessage());
      }
    }
    return items;
  }

  private static String abbreviated(JsonNode node) {
    String text = node.toString();
    return text.length() <= 40 ? text : text.substring(0, 40) + "…";
  }
}
