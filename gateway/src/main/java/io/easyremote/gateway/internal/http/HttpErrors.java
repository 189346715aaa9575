package io.easyremote.gateway.internal.http;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.linecorp.armeria.common.ContentTooLargeException;
import com.linecorp.armeria.common.HttpData;
import com.linecorp.armeria.common.HttpHeaderNames;
import com.linecorp.armeria.common.HttpResponse;
import com.linecorp.armeria.common.HttpStatus;
import com.linecorp.armeria.common.MediaType;
import com.linecorp.armeria.common.ResponseHeaders;
import com.linecorp.armeria.common.ResponseHeadersBuilder;
import com.linecorp.armeria.server.RequestTimeoutException;
import io.easyremote.protocol.ErrorCode;
import io.easyremote.protocol.internal.Json;
import io.easyremote.protocol.internal.Wire;
import io.easyremote.protocol.wire.Error;
import java.util.concurrent.CompletionException;

/**
 * Errors over HTTP: the status from {@link ErrorCode#httpStatus()}, a JSON body
 * {@code {"code", "message", "nodeId"?, "retryAfterMs"?, "remoteType"?, "reachedNode"}}, and a
 * {@code Retry-After} header (whole seconds, rounded up) whenever the error carries a retry hint
 * (OVERLOADED).
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

  /** The body as JSON text. */
  public static String bodyText(Error error) {
    try {
      return Json.mapper().writeValueAsString(body(error));
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("Cannot encode an error as JSON", e); // a tree of strings and numbers always encodes
    }
  }

  /** The full HTTP response for an error. */
  public static HttpResponse response(Error error) {
    ErrorCode code = Wire.fromWire(error.getCode());
    ResponseHeadersBuilder headers = ResponseHeaders.builder(HttpStatus.valueOf(code.httpStatus())).contentType(MediaType.JSON_UTF_8);
    if (error.getRetryAfterMs() > 0) {
      headers.add(HttpHeaderNames.RETRY_AFTER, String.valueOf(retryAfterSeconds(error.getRetryAfterMs())));
    }
    return HttpResponse.of(headers.build(), HttpData.ofUtf8(bodyText(error)));
  }

  /** The error's JSON body with an HTTP status of Armeria's choosing (a protocol-level refusal). */
  static HttpResponse response(Error error, HttpStatus status) {
    return HttpResponse.of(ResponseHeaders.builder(status).contentType(MediaType.JSON_UTF_8).build(), HttpData.ofUtf8(bodyText(error)));
  }

  /** A response for a code and message. */
  public static HttpResponse response(ErrorCode code, String message) {
    return response(Wire.error(code, message));
  }

  /** {@code Retry-After} is in whole seconds: a hint of 1 ms still means "wait a second". */
  static long retryAfterSeconds(long retryAfterMillis) {
    return Math.max(1, (retryAfterMillis + 999) / 1000);
  }

  /**
   * The error for a failure Armeria raised around a request: a body over the route's limit, the
   * request's own timeout, or a body that could not be read.
   */
  static Error ofFailure(Throwable failure, long maxPayloadBytes) {
    Throwable cause = failure instanceof CompletionException && failure.getCause() != null ? failure.getCause() : failure;
    if (cause instanceof ContentTooLargeException) {
      return Wire.error(ErrorCode.PAYLOAD_TOO_LARGE,
          "The request body is larger than the gateway's limit of " + maxPayloadBytes + " bytes.");
    }
    if (cause instanceof RequestTimeoutException) {
      return Wire.error(ErrorCode.DEADLINE_EXCEEDED, "The request took longer than its timeout.");
    }
    return Wire.error(ErrorCode.INVALID_REQUEST, "Could not read the request: " + cause);
  }
}
