package io.easyremote.protocol.internal;

import com.google.protobuf.ByteString;
import java.util.HashMap;
import java.util.Map;

/**
 * Puts back together the payloads a link receives in parts ({@link PartQueue}), per call: the
 * first part and the whole size come with the call's own frame, the rest in {@code PayloadPart}
 * frames, in order. A payload is refused when its declared size is over the limit, and a part
 * that would overflow the declared size ends that payload. Memory is what has come of each
 * payload being assembled, allocated as its parts come. Not thread-safe: one per link, used on the
 * thread that reads it.
 */
public final class PartAssembler {
  private final Map<Long, ByteString.Output> assembling = new HashMap<>();
  private final Map<Long, Long> expected = new HashMap<>();

  /** Why a payload in parts was refused or ended. */
  public static final class Refused extends Exception {
    private static final long serialVersionUID = 1L;

    Refused(String message) {
      super(message, null, false, false);
    }
  }

  /**
   * Starts call {@code callId}'s payload of {@code size} bytes with its first part.
   *
   * @throws Refused when {@code size} is over {@code limit}, or not larger than the first part
   */
  public void start(long callId, long size, ByteString first, long limit) throws Refused {
    if (size > limit) {
      throw new Refused("the payload is " + size + " bytes; the limit is " + limit);
    }
    if (size <= first.size() || size > Integer.MAX_VALUE - 8) {
      throw new Refused("a payload in parts declares " + size + " bytes with a first part of " + first.size());
    }
    ByteString.Output out = ByteString.newOutput(first.size()); // grows as parts come: memory is what has arrived
    try {
      first.writeTo(out);
    } catch (java.io.IOException e) {
      throw new IllegalStateException(e); // ByteString.Output does not fail
    }
    assembling.put(callId, out);
    expected.put(callId, size);
  }

  /**
   * Adds the next part of call {@code callId}'s payload: its whole bytes once the last part came,
   * null while more are due, or when the call has no payload being assembled (its parts were
   * dropped: a cancel, a refusal).
   *
   * @throws Refused when the part goes past the declared size (the payload is dropped)
   */
  public ByteString add(long callId, ByteString part) throws Refused {
    ByteString.Output out = assembling.get(callId);
    if (out == null) {
      return null;
    }
    long size = expected.get(callId);
    if (out.size() + (long) part.size() > size) {
      drop(callId);
      throw new Refused("the parts of the payload of call " + callId + " go past its declared " + size + " bytes");
    }
    try {
      part.writeTo(out);
    } catch (java.io.IOException e) {
      throw new IllegalStateException(e); // ByteString.Output does not fail
    }
    if (out.size() < size) {
      return null;
    }
    drop(callId);
    return out.toByteString();
  }

  /** Forgets call {@code callId}'s payload being assembled, if any. */
  public void drop(long callId) {
    assembling.remove(callId);
    expected.remove(callId);
  }

  /** Payloads being assembled now. */
  public int size() {
    return assembling.size();
  }
}
