package io.easyremote.gateway.internal.core;

import io.easyremote.protocol.ErrorCode;
import io.easyremote.protocol.wire.Error;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Passes a call through the optional {@link CallAdmission} gate (the credits reservation) before
 * it is routed. While the gate has not answered, the call is QUEUED in no queue: its deadline, a
 * cancellation and the scheduler's shutdown ({@link #close}) end it, and it is not routed afterwards.
 */
final class AdmissionStep {
  private static final Logger log = LoggerFactory.getLogger(AdmissionStep.class);

  private final ReentrantLock lock;
  private final Dispatcher dispatcher;
  private final Consumer<PendingCall> scheduleDeadline;
  private volatile CallAdmission gate;
  /** Calls the gate has not answered yet: they count as queued ({@link #waiting}), and the shutdown ends them ({@link #close}). */
  private final java.util.Set<PendingCall> waiting = java.util.concurrent.ConcurrentHashMap.newKeySet();

  AdmissionStep(ReentrantLock lock, Dispatcher dispatcher, Consumer<PendingCall> scheduleDeadline) {
    this.lock = lock;
    this.dispatcher = dispatcher;
    this.scheduleDeadline = scheduleDeadline;
  }

  void gate(CallAdmission gate) {
    this.gate = gate;
  }

  /** True when the call waits for the gate (it is routed or refused when the gate answers); false to route it now. */
  boolean deferred(PendingCall call) {
    CallAdmission g = gate;
    CompletionStage<Error> admitted = g == null ? null : g.admit(call);
    if (admitted == null) {
      return false;
    }
    waiting.add(call);
    scheduleDeadline.accept(call);
    admitted.whenComplete((refusal, failure) -> {
      waiting.remove(call);
      answered(call, refusal, failure);
    });
    return true;
  }

  /** Calls waiting for the gate's answer (a balance being reread, a function's price not known yet). */
  int waiting() {
    return waiting.size();
  }

  /**
   * The gateway shuts down: every call still waiting for the gate fails as a queued one does, never
   * having reached a node (a verdict that comes later routes nothing).
   */
  void close() {
    for (PendingCall call : waiting) {
      if (call.transition(PendingCall.State.QUEUED, PendingCall.State.DONE)) {
        call.fail(Errors.shutDownBeforeANode(call.function()));
      }
    }
  }

  /** The gate answered: route the call unless it was refused, or ended (deadline, cancel) while it waited. */
  private void answered(PendingCall call, Error refusal, Throwable failure) {
    Error error = refusal;
    if (failure != null) {
      log.warn("Admission of a call to '{}' failed", call.function(), failure);
      error = Errors.of(ErrorCode.UNAVAILABLE, "The gateway could not admit the call to '" + call.function() + "' (" + failure
          + "); it never reached a node: retry.");
    }
    if (error != null) {
      if (call.transition(PendingCall.State.QUEUED, PendingCall.State.DONE)) {
        call.fail(error);
      }
      return;
    }
    lock.lock();
    try {
      if (call.state() != PendingCall.State.QUEUED || call.isCompleted()) {
        return; // it ended while it waited
      }
      error = dispatcher.submit(call);
      if (error != null) {
        call.state(PendingCall.State.DONE);
      }
    } finally {
      lock.unlock();
    }
    dispatcher.flush();
    if (error != null) {
      call.fail(error);
    }
  }
}
