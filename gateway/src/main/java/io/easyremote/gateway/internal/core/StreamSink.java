package io.easyremote.gateway.internal.core;

import io.easyremote.protocol.wire.Payload;

/**
 * Where a streaming call's items go. Items arrive in order from one thread at a time; then
 * exactly one of {@link #onEnd}, {@link #onError} or (for a non-streaming function called as a
 * stream) {@link #onResult} ends the call.
 */
public interface StreamSink extends CallSink {
  /** One item, in order. */
  void onItem(Payload payload, String nodeId);

  /** The stream completed normally after {@code count} items. */
  void onEnd(long count, String nodeId);
}
