package io.easyremote.bench.callers;

/**
 * One way of making the same call: through the gateway, directly to a gRPC server, through NATS,
 * over REST. Each call checks its answer, so a broken path fails instead of looking fast.
 * Implementations are safe to call from many threads.
 */
public interface Caller extends AutoCloseable {
  /** The name shown in the tables, e.g. {@code relayed} or {@code direct gRPC}. */
  String name();

  /** Makes one blocking call and checks its answer. */
  void call() throws Exception;

  /**
   * Starts one call without blocking; the future fails if the call fails or its answer is wrong.
   *
   * @throws UnsupportedOperationException if this path has no asynchronous call
   */
  default java.util.concurrent.CompletableFuture<Void> callAsync() {
    throw new UnsupportedOperationException(name() + " has no asynchronous call");
  }

  @Override
  default void close() throws Exception {}

  /** {@code size} printable bytes, the same every time. */
  static String text(int size) {
    StringBuilder s = new StringBuilder(size);
    for (int i = 0; i < size; i++) {
      s.append((char) ('a' + i % 26));
    }
    return s.toString();
  }

  /** {@code size} bytes, the same every time. */
  static byte[] bytes(int size) {
    byte[] data = new byte[size];
    for (int i = 0; i < size; i++) {
      data[i] = (byte) i;
    }
    return data;
  }

  /** Throws when an answer is not what was sent. */
  static void check(boolean ok, String what) {
    if (!ok) {
      throw new IllegalStateException("wrong answer from " + what);
    }
  }
}
