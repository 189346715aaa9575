package io.easyremote.gateway.internal.core;

import io.easyremote.protocol.wire.Error;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.locks.ReentrantLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What happens to the calls of a node that is lost or falls silent: a call that may safely run
 * again (see {@link Dispatcher#reroute}) goes to another node or back to its queue; every other
 * call fails with NODE_LOST, because it may have run.
 */
final class NodeLoss {
  private static final Logger log = LoggerFactory.getLogger(NodeLoss.class);

  private final ReentrantLock lock;
  private final Dispatcher dispatcher;

  NodeLoss(ReentrantLock lock, Dispatcher dispatcher) {
    this.lock = lock;
    this.dispatcher = dispatcher;
  }

  /** A call to fail once the routing lock is released. */
  record Failure(PendingCall call, Error error) {}

  /** The node's stream ended or it was replaced: its slots are freed and each of its calls moves on or fails. */
  void lost(NodeSession session, String reason) {
    List<PendingCall> lost = new ArrayList<>();
    int movedOn = 0;
    lock.lock();
    try {
      List<PendingCall> calls = session.endAll();
      dispatcher.released(calls.size());
      for (PendingCall call : calls) {
        if (call.node() != session) {
          continue; // moved on to another node when this one fell silent
        }
        if (call.state() == PendingCall.State.DISPATCHED && dispatcher.reroute(call, session)) {
          movedOn++;
          continue;
        }
        call.state(PendingCall.State.DONE);
        lost.add(call);
      }
    } finally {
      lock.unlock();
    }
    dispatcher.flush();
    if (movedOn > 0) {
      log.info("{} call(s) of node '{}' moved to other nodes after it was lost", movedOn, session.nodeId);
    }
    for (PendingCall call : lost) {
      call.fail(Errors.nodeLost(session.nodeId, call.function(), call.id, reason));
    }
  }

  /**
   * A silent node's running calls leave it, each told to cancel; the node keeps their slots until
   * it answers (it may still be running them) or is given up. Calls that may run again move on;
   * with {@code failTheRest}, the others are added to {@code failures} to fail with NODE_LOST once
   * the lock is released. Returns how many calls left.
   */
  int giveUp(NodeSession node, boolean failTheRest, long silenceLimitMillis, List<Failure> failures) {
    int left = 0;
    lock.lock();
    try {
      for (PendingCall call : node.calls()) {
        if (!call.runsOn(node)) {
          continue;
        }
        if (dispatcher.reroute(call, node)) {
          dispatcher.enqueue(node, Dispatcher.cancelFrame(call.id, "node fell silent"));
          left++;
        } else if (failTheRest) {
          call.state(PendingCall.State.ABANDONED);
          dispatcher.enqueue(node, Dispatcher.cancelFrame(call.id, "node fell silent"));
          failures.add(new Failure(call, Errors.nodeLost(node.nodeId, call.function(), call.id,
              "it fell silent (no frame for " + silenceLimitMillis + " ms); the call may have run.")));
          left++;
        }
      }
    } finally {
      lock.unlock();
    }
    return left;
  }
}
