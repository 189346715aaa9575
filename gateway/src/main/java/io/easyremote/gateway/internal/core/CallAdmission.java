package io.easyremote.gateway.internal.core;

import io.easyremote.protocol.wire.Error;
import java.util.concurrent.CompletionStage;

/**
 * A gate a call passes after its request checks and before it is routed (the credits reservation
 * of a paid call). Asked once per call that would be routed (never for a repeat of an
 * idempotency key that follows the first call), outside the routing lock; must not block.
 */
@FunctionalInterface
public interface CallAdmission {
  /**
   * Null to route {@code call} at once; else a stage that completes with null (route it now) or
   * with the error that refuses it (it never reached a node). While the stage is pending the call
   * counts as queued: its deadline and a cancellation end it, and it is not routed afterwards.
   */
  CompletionStage<Error> admit(PendingCall call);
}
