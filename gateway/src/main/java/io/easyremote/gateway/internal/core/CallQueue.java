package io.easyremote.gateway.internal.core;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;

/**
 * The bounded queue of calls to one function waiting for a free node slot. Fair across callers:
 * callers are served in turn (round-robin), and each caller's calls in arrival order. A caller
 * that floods the queue therefore delays only itself. Not thread-safe: guarded by the scheduler
 * lock.
 */
final class CallQueue {
  private final Map<String, ArrayDeque<PendingCall>> byCaller = new HashMap<>();
  /** Callers with waiting calls, in service order: the head is served next. */
  private final ArrayDeque<String> turns = new ArrayDeque<>();
  private final int capacity;
  private int size;

  CallQueue(int capacity) {
    this.capacity = capacity;
  }

  /** Adds the call behind its caller's earlier calls; false when the queue is full. */
  boolean offer(PendingCall call) {
    if (size >= capacity) {
      return false;
    }
    ArrayDeque<PendingCall> mine = byCaller.computeIfAbsent(call.request.caller(), c -> new ArrayDeque<>());
    if (mine.isEmpty()) {
      turns.addLast(call.request.caller());
    }
    mine.addLast(call);
    size++;
    return true;
  }

  /**
   * The call to serve next among those {@code eligible} accepts: the first eligible call of the
   * first caller in turn that has one. Null if none. Does not remove it.
   */
  PendingCall next(Predicate<PendingCall> eligible) {
    for (String caller : turns) {
      for (PendingCall call : byCaller.get(caller)) {
        if (eligible.test(call)) {
          return call;
        }
      }
    }
    return null;
  }

  /** Removes a call chosen by {@link #next} and moves its caller to the back of the turn order. */
  void take(PendingCall call) {
    String caller = call.request.caller();
    if (!removeFromCaller(call)) {
      return;
    }
    turns.remove(caller);
    if (byCaller.containsKey(caller)) {
      turns.addLast(caller);
    }
  }

  /** Removes the call wherever it is (deadline, cancellation); false if it was not queued. */
  boolean remove(PendingCall call) {
    if (!removeFromCaller(call)) {
      return false;
    }
    if (!byCaller.containsKey(call.request.caller())) {
      turns.remove(call.request.caller());
    }
    return true;
  }

  private boolean removeFromCaller(PendingCall call) {
    ArrayDeque<PendingCall> mine = byCaller.get(call.request.caller());
    if (mine == null) {
      return false;
    }
    for (Iterator<PendingCall> it = mine.iterator(); it.hasNext(); ) {
      if (it.next() == call) {
        it.remove();
        size--;
        if (mine.isEmpty()) {
          byCaller.remove(call.request.caller());
        }
        return true;
      }
    }
    return false;
  }

  /** Calls waiting. */
  int size() {
    return size;
  }

  boolean isEmpty() {
    return size == 0;
  }

  /** Removes and returns every queued call. */
  List<PendingCall> drainAll() {
    List<PendingCall> all = new ArrayList<>(size);
    byCaller.values().forEach(all::addAll);
    byCaller.clear();
    turns.clear();
    size = 0;
    return all;
  }
}
