package io.easyremote.gateway.internal.http;

import com.fasterxml.jackson.databind.node.ObjectNode;
import com.linecorp.armeria.common.HttpData;
import com.linecorp.armeria.common.HttpResponse;
import com.linecorp.armeria.common.HttpStatus;
import com.linecorp.armeria.common.MediaType;
import com.linecorp.armeria.common.ResponseHeaders;
import com.linecorp.armeria.common.ResponseHeadersBuilder;
import io.easyremote.protocol.ErrorCode;
import io.easyremote.protocol.internal.Json;
import io.easyremote.protocol.internal.Wire;
import io.easyremote.protocol.wire.Error;

/**
 * Errors over HTTP: the status from {@link ErrorCode#httpStatus()}, a JSON body
 * {@code {"code", "message", "nodeId"?, "retryAfterMs"?, "remoteType"?, "reachedNode"}}, and
 * {@code Retry-After} (seconds) on OVERLOADED.
 */
public final class HttpErrors {
  private HttpErrors() {}

  /** The JSON body of an error. */
  public static ObjectNode body(Error error) {
    ObjectNode json = Json.mapper().createObjectNode();
    json.put("code", Wire.fromWire(error.getCode()).name());
    json.put("message", error.getMessage());
    if (!error.getNodeId().isEmpty()) {
      json.put("nodeId", error.getNodeId());
    }
    if (error.getRetryAfterMs() > 0) {
      json.put("retryAfterMs", error.getRetryAfterMs());
    }
    if (!error.getRemoteType().isEmpty()) {
      json.put("remoteType", error.getRemoteType());
    }
    json.put("reachedNode", error.getReachedNode());
    return json;
  }

  /** The full HTTP response for an error. */
  public static HttpResponse response(Error error) {
    ErrorCode code = Wire.fromWire(error.getCode());
    ResponseHeadersBuilder headers = ResponseHeaders.builder(HttpStatus.valueOf(code.httpStatus())).contentType(MediaType.JSON_UTF_8);
    if (error.getRetryAfterMs() > 0) {
      headers.add("retry-after", String.valueOf(Math.max(1, (error.getRetryAfterMs() + 999) / 1000)));
    }
    try {
      return HttpResponse.of(headers.build(), HttpData.wrap(Json.mapper().writeValueAsBytes(body(error))));
    } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
      return HttpResponse.of(HttpStatus.INTERNAL_SERVER_ERROR);
    }
  }

  /** A response for a code and message. */
  public static HttpResponse response(ErrorCode code, String message) {
    return response(Wire.error(code, message));
  }
}
