package io.easyremote.gateway.internal.core;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.BiPredicate;

/** The waiting calls of every function: one bounded, fair {@link CallQueue} each. Guarded by the scheduler lock. */
final class CallQueues {
  private final Map<String, CallQueue> byFunction = new HashMap<>();
  private final int capacityPerFunction;
  private int size;

  CallQueues(int capacityPerFunction) {
    this.capacityPerFunction = capacityPerFunction;
  }

  /** Queues the call behind its caller's earlier ones; false when its function's queue is full. */
  boolean offer(PendingCall call) {
    if (!byFunction.computeIfAbsent(call.function(), f -> new CallQueue(capacityPerFunction)).offer(call)) {
      return false;
    }
    size++;
    return true;
  }

  /** Takes the call out of its queue; false if it was not queued. */
  boolean remove(PendingCall call) {
    CallQueue queue = byFunction.get(call.function());
    if (queue != null && queue.remove(call)) {
      size--;
      return true;
    }
    return false;
  }

  /**
   * Takes the next call the node should run: each of its functions' queues offers its next
   * eligible call in fair order, and the one that has waited longest wins. Null if none.
   */
  PendingCall takeNextFor(NodeSession node, BiPredicate<String, PendingCall> eligible) {
    if (size == 0) {
      return null;
    }
    CallQueue best = null;
    PendingCall oldest = null;
    for (String function : node.functions.keySet()) {
      CallQueue queue = byFunction.get(function);
      if (queue == null || queue.isEmpty()) {
        continue;
      }
      PendingCall next = queue.next(c -> eligible.test(function, c));
      if (next != null && (oldest == null || next.arrivedNanos < oldest.arrivedNanos)) {
        oldest = next;
        best = queue;
      }
    }
    if (oldest != null) {
      best.take(oldest);
      size--;
    }
    return oldest;
  }

  /** Calls waiting for {@code function}. */
  int size(String function) {
    CallQueue queue = byFunction.get(function);
    return queue == null ? 0 : queue.size();
  }

  /** Calls waiting in all queues. */
  int size() {
    return size;
  }

  /** Removes and returns the waiting calls {@code doomed} selects. */
  List<PendingCall> removeWhere(java.util.function.Predicate<PendingCall> doomed) {
    List<PendingCall> removed = new ArrayList<>();
    for (CallQueue queue : byFunction.values()) {
      for (PendingCall call : queue.drainAll()) {
        if (doomed.test(call)) {
          removed.add(call);
        } else {
          queue.offer(call);
        }
      }
    }
    size -= removed.size();
    return removed;
  }

  /** Removes and returns every waiting call. */
  List<PendingCall> drainAll() {
    List<PendingCall> all = new ArrayList<>(size);
    for (CallQueue queue : byFunction.values()) {
      all.addAll(queue.drainAll());
    }
    size = 0;
    return all;
  }
}
