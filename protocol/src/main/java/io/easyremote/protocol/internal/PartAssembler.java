package io.easyremote.protocol.internal;

import com.google.protobuf.ByteString;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Puts back together the payloads a link receives in parts ({@link PartQueue}), per call: the
 * first part and the whole size come with the call's own frame (the head, kept here until the
 * payload is whole), the rest in {@code PayloadPart} frames, in order. A payload is refused when
 * its declared size is over the limit, and a part that would overflow the declared size ends that
 * payload. Memory is what has come of each payload being assembled.
 *
 * <p>The parts are not copied: a whole payload is a rope of them ({@link ByteString#copyFrom(Iterable)}
 * links them, in time proportional to their number), since each part's bytes already belong to it
 * alone (parsed from the wire). Only parts under {@link #SHARED_MIN_BYTES} are copied, into a
 * buffer shared with their neighbours, so that a sender of tiny parts cannot make the rope's
 * bookkeeping outweigh the bytes it is allowed to send.
 * Not thread-safe: one per link, used on the thread that reads it.
 *
 * @param <H> the frame that begins a payload in parts (an {@code Invoke}, a {@code Result}, a
 *     {@code ChannelAnswer})
 */
public final class PartAssembler<H> {
  /** Parts this large or larger join the payload as they are; smaller ones are copied together. */
  static final int SHARED_MIN_BYTES = 8 << 10;

  private final Map<Long, Assembly<H>> assembling = new HashMap<>();

  /** One payload being put back together, and the frame that began it. */
  private static final class Assembly<H> {
    final H head;
    final long size;
    final List<ByteString> pieces = new ArrayList<>();
    /** Small parts not yet in {@link #pieces}, or null. */
    ByteString.Output small;
    long received;

    Assembly(H head, long size) {
      this.head = head;
      this.size = size;
    }

    void add(ByteString part) {
      received += part.size();
      if (part.size() >= SHARED_MIN_BYTES) {
        flushSmall();
        pieces.add(part);
        return;
      }
      if (part.isEmpty()) {
        return;
      }
      if (small == null) {
        small = ByteString.newOutput(part.size()); // grows as parts come: a tiny part never reserves more
      }
      try {
        part.writeTo(small);
      } catch (java.io.IOException e) {
        throw new IllegalStateException(e); // ByteString.Output does not fail
      }
      if (small.size() >= SHARED_MIN_BYTES) {
        flushSmall();
      }
    }

    ByteString whole() {
      flushSmall();
      return ByteString.copyFrom(pieces);
    }

    private void flushSmall() {
      if (small != null && small.size() > 0) {
        pieces.add(small.toByteString());
        small = null;
      }
    }
  }

  /** A payload put back together, with the frame that began it. */
  public record Whole<H>(H head, ByteString data) {}

  /** Why a payload in parts was refused or ended. */
  public static final class Refused extends Exception {
    private static final long serialVersionUID = 1L;

    Refused(String message) {
      super(message, null, false, false);
    }
  }

  /**
   * Starts call {@code callId}'s payload of {@code size} bytes with its first part; {@code head}
   * comes back with the whole payload.
   *
   * @throws Refused when {@code size} is over {@code limit}, or not larger than the first part
   */
  public void start(long callId, H head, long size, ByteString first, long limit) throws Refused {
    if (size > limit) {
      throw new Refused("the payload is " + size + " bytes; the limit is " + limit);
    }
    if (size <= first.size() || size > Integer.MAX_VALUE - 8) {
      throw new Refused("a payload in parts declares " + size + " bytes with a first part of " + first.size());
    }
    Assembly<H> assembly = new Assembly<>(head, size);
    assembly.add(first);
    assembling.put(callId, assembly);
  }

  /**
   * Adds the next part of call {@code callId}'s payload: the whole payload and its head once the
   * last part came; null while more are due, or when the call has no payload being assembled (its
   * parts were dropped: a cancel, a refusal).
   *
   * @throws Refused when the part goes past the declared size (the payload is dropped)
   */
  public Whole<H> add(long callId, ByteString part) throws Refused {
    Assembly<H> assembly = assembling.get(callId);
    if (assembly == null) {
      return null;
    }
    if (assembly.received + (long) part.size() > assembly.size) {
      assembling.remove(callId);
      throw new Refused("the parts of the payload of call " + callId + " go past its declared " + assembly.size + " bytes");
    }
    assembly.add(part);
    if (assembly.received < assembly.size) {
      return null;
    }
    assembling.remove(callId);
    return new Whole<>(assembly.head, assembly.whole());
  }

  /** How many payloads are being put back together. */
  public int size() {
    return assembling.size();
  }

  /** Forgets every payload being assembled whose call {@code keep} rejects; how many were forgotten. */
  public int dropUnless(java.util.function.LongPredicate keep) {
    int before = assembling.size();
    assembling.keySet().removeIf(callId -> !keep.test(callId));
    return before - assembling.size();
  }

  /** Forgets call {@code callId}'s payload being assembled: its head, or null when there was none. */
  public H drop(long callId) {
    Assembly<H> assembly = assembling.remove(callId);
    return assembly == null ? null : assembly.head;
  }
}
