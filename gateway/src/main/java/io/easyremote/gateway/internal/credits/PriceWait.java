package io.easyremote.gateway.internal.credits;

import io.easyremote.gateway.internal.core.CallScheduler;
import io.easyremote.gateway.internal.core.PendingCall;
import io.easyremote.protocol.wire.Error;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Paid calls that arrived while no node offered their function (nodes reconnecting after a
 * restart, or a moment after they were lost): their price is not known, so they cannot be
 * reserved, and a stream's items are not held back until a charge is made. They wait here,
 * their deadline running, instead of in the scheduler's queue; {@link #look} (every
 * {@link #LOOK_MILLIS}) admits each once a node offering its function is back, or once it no
 * longer waits for one (it is then routed as any call: refused as unknown, or forwarded), and
 * forgets those that ended meanwhile. Thread-safe.
 */
final class PriceWait {
  private static final Logger log = LoggerFactory.getLogger(PriceWait.class);
  /** How often the waiting calls look again. */
  static final long LOOK_MILLIS = 50;

  private record Waiting(PendingCall call, CompletableFuture<Error> admitted) {}

  private final CallScheduler scheduler;
  private final Function<PendingCall, CompletionStage<Error>> admission;
  private final Map<Long, Waiting> waiting = new ConcurrentHashMap<>();

  /** @param admission admits a call whose function is offered again (null: route it now), as {@code CallAdmission.admit} */
  PriceWait(CallScheduler scheduler, Function<PendingCall, CompletionStage<Error>> admission) {
    this.scheduler = scheduler;
    this.admission = admission;
  }

  /** Keeps {@code call} until it can be admitted: what the admission gate answers then (its stage completes). */
  CompletionStage<Error> add(PendingCall call) {
    CompletableFuture<Error> admitted = new CompletableFuture<>();
    waiting.put(call.id(), new Waiting(call, admitted));
    return admitted;
  }

  /** Admits the waiting calls whose wait is over; forgets the ended ones. Never throws (a scheduled task). */
  void look() {
    try {
      for (Waiting w : waiting.values()) {
        look(w);
      }
    } catch (RuntimeException e) {
      log.warn("Could not admit the calls waiting for their function's price", e); // the next look tries again
    }
  }

  private void look(Waiting w) {
    PendingCall call = w.call();
    if (call.isCompleted()) { // its deadline or a cancel answered it
      waiting.remove(call.id());
      return;
    }
    if (scheduler.waitsForANode(call.request())) { // false once a node offers its function
      return;
    }
    waiting.remove(call.id());
    CompletionStage<Error> verdict;
    try {
      verdict = admission.apply(call);
    } catch (RuntimeException e) {
      w.admitted().completeExceptionally(e);
      return;
    }
    if (verdict == null) {
      w.admitted().complete(null);
      return;
    }
    verdict.whenComplete((refusal, failure) -> {
      if (failure != null) {
        w.admitted().completeExceptionally(failure);
      } else {
        w.admitted().complete(refusal);
      }
    });
  }
}
