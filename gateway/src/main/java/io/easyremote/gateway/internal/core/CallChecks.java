package io.easyremote.gateway.internal.core;

import io.easyremote.protocol.ErrorCode;
import io.easyremote.protocol.internal.Names;
import io.easyremote.protocol.wire.Error;

/** What a call must satisfy before anything is looked up for it: pure checks of the request alone. */
final class CallChecks {
  /** Longest idempotency key accepted. */
  static final int MAX_KEY_CHARS = 256;

  private CallChecks() {}

  /** The first problem with the request (INVALID_REQUEST, PAYLOAD_TOO_LARGE, DEADLINE_EXCEEDED), or null. */
  static Error problem(CallRequestSpec request, int maxPayloadBytes, long nowNanos) {
    String problem = Names.functionNameProblem(request.function());
    if (problem != null) {
      return Errors.of(ErrorCode.INVALID_REQUEST, "Invalid call: " + problem + ".");
    }
    int size = request.payload().getData().size();
    if (size > maxPayloadBytes) {
      return Errors.of(ErrorCode.PAYLOAD_TOO_LARGE, "Arguments of '" + request.function() + "' are " + Errors.bytes(size)
          + "; the gateway accepts at most " + Errors.bytes(maxPayloadBytes) + ".");
    }
    String unfit = request.requirements().problem();
    if (unfit != null) {
      return Errors.of(ErrorCode.INVALID_REQUEST, "Invalid requirements: " + unfit + ".");
    }
    String key = request.idempotencyKey();
    if (key != null && (key.isEmpty() || key.length() > MAX_KEY_CHARS)) {
      return Errors.of(ErrorCode.INVALID_REQUEST, "An idempotency key must be 1 to " + MAX_KEY_CHARS + " characters.");
    }
    if (request.deadlineNanos() - nowNanos <= 0) {
      return Errors.of(ErrorCode.DEADLINE_EXCEEDED, "The deadline of the call to '" + request.function() + "' had passed on arrival.");
    }
    return null;
  }
}
