package io.easyremote.protocol.internal;

import com.google.protobuf.ByteString;
import java.util.HashMap;
import java.util.Map;

/**
 * Puts back together the payloads a link receives in parts ({@link PartQueue}), per call: the
 * first part and the whole size come with the call's own frame (the head, kept here until the
 * payload is whole), the rest in {@code PayloadPart} frames, in order. A payload is refused when
 * its declared size is over the limit, and a part that would overflow the declared size ends that
 * payload. Memory is what has come of each payload being assembled, allocated as its parts come.
 * Not thread-safe: one per link, used on the thread that reads it.
 *
 * @param <H> the frame that begins a payload in parts (an {@code Invoke}, a {@code Result}, a
 *     {@code ChannelAnswer})
 */
public final class PartAssembler<H> {
  private final Map<Long, Assembly<H>> assembling = new HashMap<>();

  /** One payload being put back together, and the frame that began it. */
  private record Assembly<H>(H head, long size, ByteString.Output out) {}

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
    ByteString.Output out = ByteString.newOutput(first.size()); // grows as parts come: memory is what has arrived
    write(first, out);
    assembling.put(callId, new Assembly<>(head, size, out));
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
    if (assembly.out.size() + (long) part.size() > assembly.size) {
      assembling.remove(callId);
      throw new Refused("the parts of the payload of call " + callId + " go past its declared " + assembly.size + " bytes");
    }
    write(part, assembly.out);
    if (assembly.out.size() < assembly.size) {
      return null;
    }
    assembling.remove(callId);
    return new Whole<>(assembly.head, assembly.out.toByteString());
  }

  /** Forgets call {@code callId}'s payload being assembled: its head, or null when there was none. */
  public H drop(long callId) {
    Assembly<H> assembly = assembling.remove(callId);
    return assembly == null ? null : assembly.head;
  }

  private static void write(ByteString bytes, ByteString.Output out) {
    try {
      bytes.writeTo(out);
    } catch (java.io.IOException e) {
      throw new IllegalStateException(e); // ByteString.Output does not fail
    }
  }
}
