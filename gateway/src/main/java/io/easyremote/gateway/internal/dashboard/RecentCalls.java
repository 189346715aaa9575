package io.easyremote.gateway.internal.dashboard;

import com.fasterxml.jackson.databind.node.ArrayNode;
import io.easyremote.gateway.internal.core.CallListener;
import io.easyremote.gateway.internal.core.CallRecord;
import io.easyremote.gateway.internal.core.Outcome;
import io.easyremote.protocol.internal.Json;
import java.util.ArrayDeque;
import java.util.concurrent.locks.ReentrantLock;

/**
 * A ring buffer of the last {@value #CAPACITY} finished calls, newest first, for the dashboard and
 * {@code GET /api/calls/recent}. Thread-safe; recording is O(1).
 */
public final class RecentCalls implements CallListener {
  /** How many calls are kept. */
  public static final int CAPACITY = 200;

  private final ReentrantLock lock = new ReentrantLock();
  private final ArrayDeque<Entry> calls = new ArrayDeque<>(CAPACITY);

  private record Entry(long atMillis, CallRecord record) {}

  @Override
  public void onCompleted(CallRecord record) {
    Entry entry = new Entry(System.currentTimeMillis(), record);
    lock.lock();
    try {
      if (calls.size() == CAPACITY) {
        calls.removeLast();
      }
      calls.addFirst(entry);
    } finally {
      lock.unlock();
    }
  }

  /** The newest {@code limit} calls as JSON objects ({@code at}, {@code function}, {@code node}, {@code outcome} and {@code fault} as {@link Outcome} names them, ...). */
  public ArrayNode toJson(int limit) {
    Entry[] copy;
    lock.lock();
    try {
      copy = calls.toArray(new Entry[0]);
    } finally {
      lock.unlock();
    }
    ArrayNode out = Json.mapper().createArrayNode();
    for (int i = 0; i < copy.length && i < limit; i++) {
      CallRecord r = copy[i].record();
      out.addObject()
          .put("at", copy[i].atMillis())
          .put("function", r.function())
          .put("node", r.nodeId())
          .put("outcome", Outcome.label(r.error()))
          .put("fault", Outcome.fault(r.error()))
          .put("millis", r.totalNanos() / 1e6)
          .put("queuedMillis", r.queuedNanos() / 1e6)
          .put("stream", r.stream())
          .put("items", r.items());
    }
    return out;
  }
}
