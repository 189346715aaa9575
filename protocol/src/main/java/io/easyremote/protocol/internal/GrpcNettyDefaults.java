package io.easyremote.protocol.internal;

/**
 * Settings of the Netty inside grpc-netty-shaded (the client's and the node's transport) that
 * differ from Netty's own defaults, applied as system properties unless set already: they take
 * effect only if applied before that Netty's buffer allocator starts, so the client and the node
 * apply them before their first channel. A value set with {@code -D} (or earlier in the program)
 * wins.
 *
 * <p><b>Buffers of up to {@link #MAX_CACHED_BUFFER_BYTES} return to their thread's cache.</b>
 * Netty's pooled allocator caches freed buffers of up to 32 KiB per thread; a larger one goes back
 * to its 2 MiB chunk, and a chunk that is left empty is freed, so the next large buffer allocates
 * and zeroes a new one. A node streaming 64 KiB items after small ones fell into that in some runs:
 * 200–300 µs of its CPU per item instead of 35–50 ({@code docs/benchmarks.md}, twentieth session).
 */
public final class GrpcNettyDefaults {
  /** The system property of grpc-netty-shaded's Netty for the largest buffer its threads cache. */
  public static final String MAX_CACHED_BUFFER_CAPACITY = "io.grpc.netty.shaded.io.netty.allocator.maxCachedBufferCapacity";
  /** The largest buffer a thread caches when the property is not set: items and payloads of up to 256 KiB. */
  public static final int MAX_CACHED_BUFFER_BYTES = 256 << 10;

  private GrpcNettyDefaults() {}

  /** Sets each property that is not set yet; idempotent and thread-safe. */
  public static void apply() {
    synchronized (System.getProperties()) {
      if (System.getProperty(MAX_CACHED_BUFFER_CAPACITY) == null) {
        System.setProperty(MAX_CACHED_BUFFER_CAPACITY, Integer.toString(MAX_CACHED_BUFFER_BYTES));
      }
    }
  }
}
