package io.easyremote.protocol.internal;

import com.google.protobuf.MessageLite;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;
import java.util.function.Function;

/**
 * Packs the frames a link writes together into batch frames ({@code NodeFrames}, {@code
 * GatewayFrames}), so that a burst costs one message, one header and one flush instead of one
 * each. A pack holds at most {@value #MAX_PACK_BYTES} bytes of frames; a frame larger than that
 * (a large payload) is written on its own, in its place. Order is kept: frames come out in the
 * order they were {@linkplain #add added}. Not thread-safe: use it under the link's write lock.
 *
 * @param <F> the link's frame type
 */
public final class FramePacker<F extends MessageLite> {
  /** The most bytes of frames in one pack: small next to any message limit, large enough for hundreds of small calls. */
  public static final int MAX_PACK_BYTES = 64 * 1024;

  private final Function<List<F>, F> pack;
  private final Consumer<F> write;
  private final List<F> pending = new ArrayList<>();
  private int bytes;

  /**
   * @param pack builds one batch frame of several frames; {@code null} when the peer reads no
   *     batches: then each frame is written as it is added
   * @param write writes one frame to the stream
   */
  public FramePacker(Function<List<F>, F> pack, Consumer<F> write) {
    this.pack = pack;
    this.write = write;
  }

  /** Adds a frame to the pack being built; writes the pack first when the frame would not fit. */
  public void add(F frame) {
    if (pack == null) {
      write.accept(frame);
      return;
    }
    int size = frame.getSerializedSize();
    if (bytes + size > MAX_PACK_BYTES) {
      flush();
    }
    if (size > MAX_PACK_BYTES) {
      write.accept(frame);
      return;
    }
    pending.add(frame);
    bytes += size;
  }

  /** Writes what was added since the last flush: one frame as itself, several as one pack. */
  public void flush() {
    if (pending.isEmpty()) {
      return;
    }
    try {
      write.accept(pending.size() == 1 ? pending.get(0) : pack.apply(pending));
    } finally {
      pending.clear();
      bytes = 0;
    }
  }
}
