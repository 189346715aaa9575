package io.easyremote.gateway.internal.http;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.linecorp.armeria.common.AggregatedHttpResponse;
import com.linecorp.armeria.common.ContentTooLargeException;
import com.linecorp.armeria.server.RequestTimeoutException;
import io.easyremote.protocol.ErrorCode;
import io.easyremote.protocol.internal.Json;
import io.easyremote.protocol.internal.Wire;
import io.easyremote.protocol.wire.Error;
import java.io.IOException;
import java.util.Map;
import java.util.concurrent.CompletionException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** The ErrorCode → HTTP table and the JSON error body, for every row (the e2e tests produce the ones they can for real). */
class HttpErrorsTest {
  /** The documented table (README "Errors"); written out so a change to ErrorCode cannot silently change HTTP. */
  private static final Map<ErrorCode, Integer> TABLE = Map.ofEntries(
      Map.entry(ErrorCode.FUNCTION_NOT_FOUND, 404), Map.entry(ErrorCode.INVALID_ARGUMENTS, 400),
      Map.entry(ErrorCode.DEADLINE_EXCEEDED, 504), Map.entry(ErrorCode.NO_NODE_AVAILABLE, 503),
      Map.entry(ErrorCode.OVERLOADED, 429), Map.entry(ErrorCode.NODE_LOST, 502), Map.entry(ErrorCode.FUNCTION_FAILED, 500),
      Map.entry(ErrorCode.PAYLOAD_TOO_LARGE, 413), Map.entry(ErrorCode.INTERNAL, 500), Map.entry(ErrorCode.UNAUTHENTICATED, 401),
      Map.entry(ErrorCode.PERMISSION_DENIED, 403), Map.entry(ErrorCode.CANCELLED, 499), Map.entry(ErrorCode.UNAVAILABLE, 503),
      Map.entry(ErrorCode.INVALID_REQUEST, 400), Map.entry(ErrorCode.JOB_NOT_FOUND, 404), Map.entry(ErrorCode.JOB_INTERRUPTED, 502),
      Map.entry(ErrorCode.INSUFFICIENT_CREDITS, 402), Map.entry(ErrorCode.QUOTA_EXCEEDED, 429));

  private static JsonNode json(AggregatedHttpResponse response) throws IOException {
    return Json.mapper().readTree(response.contentUtf8());
  }

  @ParameterizedTest
  @EnumSource(ErrorCode.class)
  void response_everyCode_hasItsDocumentedStatusAndJsonBody(ErrorCode code) throws IOException {
    assertThat(TABLE).containsKey(code);
    AggregatedHttpResponse response = HttpErrors.response(code, "what went wrong").aggregate().join();
    assertThat(response.status().code()).isEqualTo(TABLE.get(code)).isEqualTo(code.httpStatus());
    assertThat(response.contentType().toString()).startsWith("application/json");
    JsonNode body = json(response);
    assertThat(body.get("code").asText()).isEqualTo(code.name());
    assertThat(body.get("message").asText()).isEqualTo("what went wrong");
    assertThat(body.has("nodeId")).isFalse();
    assertThat(body.has("retryAfterMs")).isFalse();
    assertThat(body.has("remoteType")).isFalse();
    assertThat(response.headers().get("retry-after")).isNull();
  }

  @Test
  void response_overloaded_carriesRetryAfterInWholeSecondsRoundedUp() throws IOException {
    Error overloaded = Wire.error(ErrorCode.OVERLOADED, "queue is full").toBuilder().setRetryAfterMs(1200).build();
    AggregatedHttpResponse response = HttpErrors.response(overloaded).aggregate().join();
    assertThat(response.status().code()).isEqualTo(429);
    assertThat(response.headers().get("retry-after")).isEqualTo("2");
    assertThat(json(response).get("retryAfterMs").asLong()).isEqualTo(1200);
    assertThat(HttpErrors.retryAfterSeconds(1)).isEqualTo(1);
    assertThat(HttpErrors.retryAfterSeconds(1000)).isEqualTo(1);
    assertThat(HttpErrors.retryAfterSeconds(1001)).isEqualTo(2);
  }

  @Test
  void body_functionFailed_namesTheNodeAndRemoteType() {
    Error failed = Wire.error(ErrorCode.FUNCTION_FAILED, "disk on fire").toBuilder()
        .setNodeId("gpu-1").setRemoteType("java.lang.IllegalStateException").setReachedNode(true).build();
    JsonNode body = HttpErrors.body(failed);
    assertThat(body.get("nodeId").asText()).isEqualTo("gpu-1");
    assertThat(body.get("remoteType").asText()).isEqualTo("java.lang.IllegalStateException");
    assertThat(body.get("reachedNode").asBoolean()).isTrue();
  }

  @Test
  void ofFailure_mapsArmeriasOwnFailures() {
    assertThat(Wire.fromWire(HttpErrors.ofFailure(new CompletionException(ContentTooLargeException.get()), 1024).getCode()))
        .isEqualTo(ErrorCode.PAYLOAD_TOO_LARGE);
    assertThat(HttpErrors.ofFailure(ContentTooLargeException.get(), 1024).getMessage()).contains("1024 bytes");
    assertThat(Wire.fromWire(HttpErrors.ofFailure(RequestTimeoutException.get(), 1024).getCode())).isEqualTo(ErrorCode.DEADLINE_EXCEEDED);
    assertThat(Wire.fromWire(HttpErrors.ofFailure(new IllegalStateException("reset"), 1024).getCode())).isEqualTo(ErrorCode.INVALID_REQUEST);
  }
}
