package io.easyremote.gateway.internal.core;

/**
 * Told about every finished call (metrics, recent-calls view). Called from any thread, outside
 * the scheduler lock; must be fast and must not throw.
 */
@FunctionalInterface
public interface CallListener {
  /** A call finished, successfully or not. */
  void onCompleted(CallRecord record);

  /** A listener that ignores everything. */
  CallListener NONE = record -> {};
}
