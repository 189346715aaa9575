package io.easyremote.gateway.internal.http;

import com.linecorp.armeria.common.HttpData;
import com.linecorp.armeria.common.HttpHeaderNames;
import com.linecorp.armeria.common.HttpMethod;
import com.linecorp.armeria.common.HttpRequest;
import com.linecorp.armeria.common.HttpResponse;
import com.linecorp.armeria.common.MediaType;
import com.linecorp.armeria.common.RequestHeaders;
import com.linecorp.armeria.server.ServiceRequestContext;
import io.easyremote.gateway.internal.core.CallGrant;
import io.easyremote.gateway.internal.core.StatusViews;
import io.easyremote.gateway.internal.security.CallerAuthentication;
import io.easyremote.protocol.ErrorCode;
import io.easyremote.protocol.internal.Wire;
import io.easyremote.protocol.wire.FunctionInfo;
import io.easyremote.protocol.wire.FunctionSpec;

/**
 * The HTTP methods of the call routes ({@code /api/{function}}, {@code /api/{function}/stream}
 * and their pinned {@code /api/nodes/{node}/...} forms): {@code POST} with a JSON body;
 * {@code GET} with the arguments in the query for functions whose parameters are all scalars
 * ({@link QueryArguments}); anything else {@code 405 Method Not Allowed} with {@code Allow}.
 */
final class CallMethods {
  private final RestCalls calls;
  private final StatusViews status;

  CallMethods(RestCalls calls, StatusViews status) {
    this.calls = calls;
    this.status = status;
  }

  HttpResponse serve(ServiceRequestContext ctx, HttpRequest req, String function, String node, boolean stream) {
    if (req.method() == HttpMethod.POST) {
      return calls.serve(ctx, req, function, node, stream);
    }
    if (req.method() == HttpMethod.GET) {
      return get(ctx, req, function, node, stream);
    }
    return notAllowed("POST, GET", req.method() + " cannot call a function: use POST /api/" + function
        + " with a JSON body, or GET with the arguments in the query when they are all strings, numbers or booleans.");
  }

  /** {@code GET}: the query becomes a named-arguments body; a function the caller cannot see is left to the call to refuse. */
  private HttpResponse get(ServiceRequestContext ctx, HttpRequest req, String function, String node, boolean stream) {
    FunctionSpec spec = null;
    try {
      CallGrant grant = calls.grantOf(ctx, req);
      spec = status.clusterFunctions(grant).stream().map(FunctionInfo::getSpec).filter(s -> s.getName().equals(function)).findFirst()
          .orElse(null);
    } catch (CallerAuthentication.InvalidKeyException e) {
      // the call itself answers 401 with the reason
    }
    String body = "{}";
    if (spec != null) {
      String why = QueryArguments.whyNotGettable(spec);
      if (why != null) {
        return notAllowed("POST", "'" + function + "' cannot be called with GET: " + why + ". Use POST /api/" + function
            + " with a JSON body.");
      }
      try {
        body = QueryArguments.bind(spec, ctx.queryParams()).toString();
      } catch (IllegalArgumentException e) {
        return HttpErrors.response(ErrorCode.INVALID_ARGUMENTS, e.getMessage());
      }
    }
    RequestHeaders headers = req.headers().toBuilder().method(HttpMethod.POST).contentType(MediaType.JSON_UTF_8).build();
    return calls.serve(ctx, HttpRequest.of(headers, HttpData.ofUtf8(body)), function, node, stream);
  }

  /** 405 with the methods the route allows, and our JSON error body. */
  static HttpResponse notAllowed(String allow, String message) {
    return HttpErrors.response(Wire.error(ErrorCode.INVALID_REQUEST, message), com.linecorp.armeria.common.HttpStatus.METHOD_NOT_ALLOWED)
        .mapHeaders(headers -> headers.toBuilder().set(HttpHeaderNames.ALLOW, allow).build());
  }
}
