package io.easyremote.gateway.internal.core;

import io.easyremote.protocol.ErrorCode;
import io.easyremote.protocol.internal.Wire;
import io.easyremote.protocol.wire.Error;
import io.easyremote.protocol.wire.Payload;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.locks.ReentrantLock;

/**
 * De-duplicates calls that carry an idempotency key, the way the IETF Idempotency-Key draft and
 * Stripe's API do: while the first call with a key runs, repeats wait for its outcome; after it
 * finished, repeats within the window get the same outcome without running the function again.
 *
 * <ul>
 *   <li>Keys belong to one caller ({@link CallGrant#idempotencyScope()}) and one function: another
 *       caller's identical key is a different key. The scheduler looks keys up only after the
 *       caller was authorized.
 *   <li>A key is bound to a hash of its arguments: a repeat with other arguments is refused with
 *       INVALID_REQUEST, never answered with the first call's outcome.
 *   <li>Only outcomes from a node are kept. A call refused or failed before it reached a node
 *       (unauthenticated, unknown function, queue full, deadline while queued) leaves no entry, so
 *       the repeat runs.
 *   <li>Bounded in entries and bytes, per caller and in total; the oldest finished entries go
 *       first. A result larger than one caller's byte budget is not kept: repeats are told so and
 *       nothing runs twice.
 * </ul>
 *
 * Thread-safe.
 */
final class IdempotencyCache {
  /** Bounds of the cache. */
  record Limits(long windowNanos, int maxEntries, long maxBytes, int maxEntriesPerCaller, long maxBytesPerCaller) {
    static final Limits DEFAULT = new Limits(java.util.concurrent.TimeUnit.MINUTES.toNanos(10), 10_000, 64L << 20, 1_000, 16L << 20);
  }

  /**
   * What to do with a keyed call: lead it through {@link #lead} (its outcome goes there and to
   * every repeat), or refuse it with {@link #refusal}; both null means it follows an earlier call.
   */
  record Decision(CallSink lead, Error refusal) {}

  private static final int ENTRY_OVERHEAD_BYTES = 256;

  private final Limits limits;
  private final ReentrantLock lock = new ReentrantLock();
  private final LinkedHashMap<String, Entry> entries = new LinkedHashMap<>();
  private final Map<String, Usage> usage = new HashMap<>();
  private long bytes;

  IdempotencyCache(Limits limits) {
    this.limits = limits;
  }

  /** Entries and bytes held for one caller. */
  private static final class Usage {
    int entries;
    long bytes;
  }

  /**
   * Atomically: when no call with this key is known, registers {@code sink} as the leader and
   * returns it wrapped; when one is known with the same arguments, attaches {@code follower} to
   * it (or answers it at once from the kept outcome); with other arguments, refuses.
   */
  Decision leadOrFollow(String scope, String function, String key, Payload arguments, CallSink sink, CallSink follower) {
    byte[] hash = hash(arguments);
    String id = scope + '\0' + function + '\0' + key;
    Entry entry;
    lock.lock();
    try {
      evictExpired(System.nanoTime());
      entry = entries.get(id);
      if (entry == null) {
        Usage used = usage.computeIfAbsent(scope, s -> new Usage());
        if (used.entries >= limits.maxEntriesPerCaller()) {
          evictOldestDone(scope, null);
        }
        if (used.entries >= limits.maxEntriesPerCaller() || entries.size() >= limits.maxEntries() && !evictOldestDone(null, null)) {
          return new Decision(null, Wire.error(ErrorCode.OVERLOADED, "Too many calls with idempotency keys are running; retry "
              + "after some finish.").toBuilder().setRetryAfterMs(1000).build());
        }
        entry = new Entry(id, scope, key, hash, sink);
        entries.put(id, entry);
        used.entries++;
        account(entry, entry.size);
        return new Decision(entry, null);
      }
      if (!Arrays.equals(entry.argumentsHash, hash)) {
        return new Decision(null, Wire.error(ErrorCode.INVALID_REQUEST, "Idempotency key '" + key + "' was already used for a call "
            + "to '" + function + "' with other arguments; use a new key for a different request."));
      }
      if (!entry.done) {
        entry.followers.add(follower);
        return new Decision(null, null);
      }
    } finally {
      lock.unlock();
    }
    entry.replay(follower);
    return new Decision(null, null);
  }

  /** Entries kept now (finished or running). */
  int size() {
    lock.lock();
    try {
      return entries.size();
    } finally {
      lock.unlock();
    }
  }

  /** Bytes of kept outcomes, with a fixed overhead per entry. */
  long bytes() {
    lock.lock();
    try {
      return bytes;
    } finally {
      lock.unlock();
    }
  }

  private static byte[] hash(Payload arguments) {
    try {
      MessageDigest digest = MessageDigest.getInstance("SHA-256");
      digest.update((byte) arguments.getEncodingValue());
      digest.update(arguments.getData().asReadOnlyByteBuffer());
      return digest.digest();
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is part of every JDK", e);
    }
  }

  /** Under the lock. */
  private void evictExpired(long now) {
    for (Iterator<Entry> it = entries.values().iterator(); it.hasNext(); ) {
      Entry e = it.next();
      if (e.done && now - e.doneNanos > limits.windowNanos()) {
        it.remove();
        forget(e);
      } else if (!e.done && now - e.createdNanos > limits.windowNanos()) {
        continue; // still running: kept however old
      } else {
        return; // insertion order: the rest are newer
      }
    }
  }

  /**
   * Under the lock: drops the oldest finished entry of {@code scope} (any caller when null) other
   * than {@code except}; false when there is none.
   */
  private boolean evictOldestDone(String scope, Entry except) {
    for (Iterator<Entry> it = entries.values().iterator(); it.hasNext(); ) {
      Entry e = it.next();
      if (e != except && e.done && (scope == null || e.scope.equals(scope))) {
        it.remove();
        forget(e);
        return true;
      }
    }
    return false;
  }

  /** Under the lock: an entry left the map. */
  private void forget(Entry e) {
    Usage used = usage.get(e.scope);
    if (used != null) {
      used.entries--;
      used.bytes -= e.size;
      if (used.entries == 0) {
        usage.remove(e.scope);
      }
    }
    bytes -= e.size;
  }

  /** Under the lock. */
  private void account(Entry e, long delta) {
    usage.get(e.scope).bytes += delta;
    bytes += delta;
  }

  /** The first call's sink: records the outcome and passes it to every waiting repeat. */
  private final class Entry implements CallSink {
    private final String id;
    private final String scope;
    private final String key;
    private final byte[] argumentsHash;
    private final CallSink leader;
    private final List<CallSink> followers = new ArrayList<>();
    private final long createdNanos = System.nanoTime();
    private long size;
    private boolean done;
    private long doneNanos;
    private Payload payload;
    private String nodeId;
    private Error error;

    Entry(String id, String scope, String key, byte[] argumentsHash, CallSink leader) {
      this.id = id;
      this.scope = scope;
      this.key = key;
      this.argumentsHash = argumentsHash;
      this.leader = leader;
      this.size = ENTRY_OVERHEAD_BYTES + id.length() * 2L;
    }

    @Override
    public java.util.Map<String, String> onDispatch(String nodeId, int attempt) {
      return leader.onDispatch(nodeId, attempt); // the first call's own sink records its node (jobs, tracing, credits)
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
        done = true;
        doneNanos = System.nanoTime();
        all.add(leader);
        all.addAll(followers);
        followers.clear();
        if (entries.get(id) != this) {
          return all; // evicted meanwhile
        }
        if (error != null && !error.getReachedNode()) {
          entries.remove(id); // never reached a node: a repeat may run
          forget(this);
          return all;
        }
        long outcome = payload != null ? payload.getData().size() : error.getSerializedSize();
        if (outcome > limits.maxBytesPerCaller()) {
          this.error = tooLargeToKeep(nodeId != null ? nodeId : error.getNodeId(), outcome);
          return all;
        }
        this.payload = payload;
        this.nodeId = nodeId;
        this.error = error;
        size += outcome;
        account(this, outcome);
        Usage used = usage.get(scope);
        while ((used.bytes > limits.maxBytesPerCaller() && evictOldestDone(scope, this))
            || (bytes > limits.maxBytes() && evictOldestDone(null, this))) {
          // evicting the oldest finished entries first
        }
      } finally {
        lock.unlock();
      }
      return all;
    }

    private Error tooLargeToKeep(String node, long outcomeBytes) {
      return Wire.error(ErrorCode.INVALID_REQUEST, "The call with idempotency key '" + key + "' already ran" + (node.isEmpty() ? "" : " on node '" + node + "'")
          + ", but its outcome (" + Errors.bytes(outcomeBytes) + ") is larger than the gateway keeps for repeats ("
          + Errors.bytes(limits.maxBytesPerCaller()) + "); it was not run again.").toBuilder().setReachedNode(true).build();
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
