package io.easyremote.gateway.internal.core;

import java.util.ArrayDeque;
import java.util.Iterator;
import java.util.function.Predicate;

/**
 * The bounded queue of calls to one function waiting for a free node slot, FIFO. Not thread-safe:
 * guarded by the scheduler lock.
 */
final class CallQueue {
  private final ArrayDeque<PendingCall> calls = new ArrayDeque<>();
  private final int capacity;

  CallQueue(int capacity) {
    this.capacity = capacity;
  }

  /** Adds the call at the tail; false when the queue is full. */
  boolean offer(PendingCall call) {
    if (calls.size() >= capacity) {
      return false;
    }
    calls.addLast(call);
    return true;
  }

  /** The oldest call the predicate accepts, without removing it; null if none. */
  PendingCall peekFirst(Predicate<PendingCall> eligible) {
    for (PendingCall call : calls) {
      if (eligible.test(call)) {
        return call;
      }
    }
    return null;
  }

  /** Removes the call; false if it was not queued. */
  boolean remove(PendingCall call) {
    for (Iterator<PendingCall> it = calls.iterator(); it.hasNext(); ) {
      if (it.next() == call) {
        it.remove();
        return true;
      }
    }
    return false;
  }

  int size() {
    return calls.size();
  }

  boolean isEmpty() {
    return calls.isEmpty();
  }

  /** Removes and returns every queued call. */
  java.util.List<PendingCall> drainAll() {
    java.util.List<PendingCall> all = new java.util.ArrayList<>(calls);
    calls.clear();
    return all;
  }
}
