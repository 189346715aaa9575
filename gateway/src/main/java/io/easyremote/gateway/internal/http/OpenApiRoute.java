package io.easyremote.gateway.internal.http;

import com.fasterxml.jackson.databind.node.ObjectNode;
import com.linecorp.armeria.common.HttpMethod;
import com.linecorp.armeria.common.HttpRequest;
import com.linecorp.armeria.common.RequestHeaders;
import com.linecorp.armeria.server.ServiceRequestContext;
import io.easyremote.gateway.internal.core.CallGrant;
import io.easyremote.gateway.internal.core.StatusViews;
import io.easyremote.gateway.internal.openapi.OpenApiDocument;
import io.easyremote.gateway.internal.security.CallerAuthentication;
import io.easyremote.protocol.wire.FunctionInfo;
import java.util.List;

/**
 * {@code GET /openapi.json}: the functions this caller may see, with the gateway's URL as the
 * caller reached it in {@code servers} and, per operation, whether a client key is needed (what an
 * anonymous caller would be told).
 */
final class OpenApiRoute {
  private final RestCalls calls;
  private final StatusViews status;

  OpenApiRoute(RestCalls calls, StatusViews status) {
    this.calls = calls;
    this.status = status;
  }

  ObjectNode document(ServiceRequestContext ctx, HttpRequest req, CallGrant grant) {
    List<FunctionInfo> functions = status.clusterFunctions(grant); // the whole cluster: calls to others' functions are forwarded
    CallGrant anonymous;
    try {
      anonymous = calls.grantOf(ctx, HttpRequest.of(RequestHeaders.of(HttpMethod.GET, "/openapi.json")));
    } catch (CallerAuthentication.InvalidKeyException e) {
      throw new IllegalStateException("a request without a key cannot carry an invalid one", e);
    }
    List<String> open = functions.stream().map(FunctionInfo::getSpec)
        .filter(spec -> anonymous.authorize(spec.getName()) == null && anonymous.admit(spec.getName(), spec) == null)
        .map(spec -> spec.getName()).toList();
    return OpenApiDocument.of(functions, serverUrl(ctx, req), name -> !open.contains(name));
  }

  /** {@code scheme://host[:port]} as the caller addressed the gateway (a proxy's X-Forwarded-Proto/Host first), or null. */
  static String serverUrl(ServiceRequestContext ctx, HttpRequest req) {
    String host = first(req.headers().get("x-forwarded-host"));
    if (host == null) {
      host = req.headers().authority();
    }
    if (host == null || !host.matches("[A-Za-z0-9.\\-\\[\\]:]+")) {
      return null;
    }
    String scheme = first(req.headers().get("x-forwarded-proto"));
    if (scheme == null || !(scheme.equals("http") || scheme.equals("https"))) {
      scheme = ctx.sessionProtocol().isTls() ? "https" : "http";
    }
    return scheme + "://" + host;
  }

  private static String first(String header) {
    if (header == null) {
      return null;
    }
    String value = header.split(",")[0].trim();
    return value.isEmpty() ? null : value;
  }
}
