package io.easyremote.gateway.internal.http;

import com.fasterxml.jackson.databind.node.ArrayNode;
import io.easyremote.gateway.internal.core.CallListener;
import io.easyremote.gateway.internal.core.CallRecord;
import io.easyremote.protocol.internal.Json;
import java.util.ArrayDeque;
import java.util.concurrent.locks.ReentrantLock;

/** The last few hundred finished calls, newest first, for the dashboard. Thread-safe. */
public final class RecentCalls implements CallListener {
  private static final int CAPACITY = 200;
  private final ReentrantLock lock = new ReentrantLock();
  private final ArrayDeque<Entry> calls = new ArrayDeque<>(CAPACITY);

  private record Entry(long atMillis, CallRecord record) {}

  @Override
  public void onCompleted(CallRecord record) {
    lock.lock();
    try {
      if (calls.size() == CAPACITY) {
        calls.removeLast();
      }
      calls.addFirst(new Entry(System.currentTimeMillis(), record));
    } finally {
      lock.unlock();
    }
  }

  /** The recent calls as JSON. */
  public ArrayNode toJson() {
    ArrayNode out = Json.mapper().createArrayNode();
    lock.lock();
    try {
      for (Entry e : calls) {
        CallRecord r = e.record();
        out.addObject()
            .put("at", e.atMillis())
            .put("function", r.function())
            .put("node", r.nodeId())
            .put("outcome", r.error() == null ? "OK" : r.error().name())
            .put("millis", r.totalNanos() / 1e6)
            .put("queuedMillis", r.queuedNanos() / 1e6)
            .put("stream", r.stream());
      }
    } finally {
      lock.unlock();
    }
    return out;
  }
}
