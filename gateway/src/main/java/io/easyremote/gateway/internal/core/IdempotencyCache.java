package io.easyremote.gateway.internal.core;

import io.easyremote.protocol.wire.Error;
import io.easyremote.protocol.wire.Payload;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.locks.ReentrantLock;

/**
 * De-duplicates calls that carry an idempotency key: while the first call with a key runs, repeats
 * wait for its outcome; after it finished, repeats within the window get the same outcome without
 * running the function again. Keys are scoped by function. Bounded in size and time. Thread-safe.
 */
final class IdempotencyCache {
  private final long windowNanos;
  private final int maxEntries;
  private final ReentrantLock lock = new ReentrantLock();
  private final LinkedHashMap<String, Entry> entries = new LinkedHashMap<>();

  IdempotencyCache(long windowNanos, int maxEntries) {
    this.windowNanos = windowNanos;
    this.maxEntries = maxEntries;
  }

  /**
   * Atomically: when no call with this key is known, registers one and returns the sink its
   * outcome must go to (shared with later repeats). Otherwise attaches {@code follower} to the
   * known call (or answers it at once from the kept outcome) and returns null.
   */
  CallSink leadOrFollow(String function, String key, CallSink sink, CallSink follower) {
    Entry entry;
    lock.lock();
    try {
      evict(System.nanoTime());
      String id = function + '\0' + key;
      entry = entries.get(id);
      if (entry == null) {
        entry = new Entry(sink);
        entries.put(id, entry);
        return entry;
      }
      if (!entry.done) {
        entry.followers.add(follower);
        return null;
      }
    } finally {
      lock.unlock();
    }
    entry.replay(follower);
    return null;
  }

  private void evict(long now) {
    for (Iterator<Map.Entry<String, Entry>> it = entries.entrySet().iterator(); it.hasNext(); ) {
      Entry e = it.next().getValue();
      boolean expired = e.done && now - e.doneNanos > windowNanos;
      if (expired || (entries.size() > maxEntries && e.done)) {
        it.remove();
      } else if (!expired && entries.size() <= maxEntries) {
        return; // insertion order: the rest are newer
      }
    }
  }

  /** The first call's sink: records the outcome and passes it to every waiting repeat. */
  private final class Entry implements CallSink {
    private final CallSink leader;
    private final List<CallSink> followers = new ArrayList<>();
    private boolean done;
    private long doneNanos;
    private Payload payload;
    private String nodeId;
    private Error error;

    Entry(CallSink leader) {
      this.leader = leader;
    }

    @Override
    public void onResult(Payload payload, String nodeId) {
      for (CallSink sink : finish(payload, nodeId, null)) {
        sink.onResult(payload, nodeId);
      }
    }

    @Override
    public void onError(Error error) {
      for (CallSink sink : finish(null, null, error)) {
        sink.onError(error);
      }
    }

    private List<CallSink> finish(Payload payload, String nodeId, Error error) {
      List<CallSink> all = new ArrayList<>();
      lock.lock();
      try {
        this.payload = payload;
        this.nodeId = nodeId;
        this.error = error;
        this.done = true;
        this.doneNanos = System.nanoTime();
        all.add(leader);
        all.addAll(followers);
        followers.clear();
      } finally {
        lock.unlock();
      }
      return all;
    }

    void replay(CallSink sink) {
      if (error != null) {
        sink.onError(error);
      } else {
        sink.onResult(payload, nodeId);
      }
    }
  }
}
