package io.easyremote.protocol.internal;

import com.google.protobuf.ByteString;
import java.util.ArrayDeque;
import java.util.Iterator;

/**
 * The parts still to send of the large payloads on one link. A payload larger than
 * {@link #PART_BYTES} goes as its first part in its own frame (an {@code Invoke} or {@code Result}
 * with {@code payload_size} set) and the rest as {@code PayloadPart} frames, which the link writes
 * only while its stream is ready and after every other queued frame: a small call then waits
 * behind at most one part, not a whole 16 MiB message. Several large payloads take turns, a part
 * each. Parts are views of the payload's bytes, never copies. Not thread-safe: use it under the
 * link's write lock.
 */
public final class PartQueue {
  /** The most payload bytes in one frame of a link. */
  public static final int PART_BYTES = 128 * 1024;

  private final ArrayDeque<Pending> pending = new ArrayDeque<>();

  /** One payload's bytes not yet sent, from {@code offset}. */
  private static final class Pending {
    final long callId;
    final ByteString data;
    int offset;

    Pending(long callId, ByteString data, int offset) {
      this.callId = callId;
      this.data = data;
      this.offset = offset;
    }
  }

  /** One part to write: {@code data} is the next bytes of call {@code callId}'s payload. */
  public record Part(long callId, ByteString data) { }

  /** Whether {@code data} is too large for one frame, and goes in parts. */
  public static boolean inParts(ByteString data) {
    return data.size() > PART_BYTES;
  }

  /** The first part of {@code data}, which travels in the call's own frame. */
  public static ByteString firstPart(ByteString data) {
    return data.substring(0, PART_BYTES);
  }

  /** Queues the rest of {@code data}, after its {@linkplain #firstPart first part}, for call {@code callId}. */
  public void addRest(long callId, ByteString data) {
    pending.add(new Pending(callId, data, PART_BYTES));
  }

  /** Drops what is left of call {@code callId}'s payload (it was cancelled, or its link is gone). */
  public void cancel(long callId) {
    for (Iterator<Pending> it = pending.iterator(); it.hasNext(); ) {
      if (it.next().callId == callId) {
        it.remove();
      }
    }
  }

  /** Whether no part is waiting. */
  public boolean isEmpty() {
    return pending.isEmpty();
  }

  /** The next part to write, taking turns between payloads; null when none is waiting. */
  public Part next() {
    Pending head = pending.poll();
    if (head == null) {
      return null;
    }
    int end = Math.min(head.data.size(), head.offset + PART_BYTES);
    Part part = new Part(head.callId, head.data.substring(head.offset, end));
    head.offset = end;
    if (end < head.data.size()) {
      pending.add(head);
    }
    return part;
  }
}
