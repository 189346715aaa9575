package io.easyremote.node;

/**
 * A sink a streaming function writes its items to, item by item. Declare it as a parameter of a
 * {@code @Remote} method and the method becomes a streaming function; the stream ends when the
 * method returns, and fails with {@code FUNCTION_FAILED} if it throws.
 *
 * <pre>{@code
 * @Remote
 * public void progress(int steps, Emitter<Integer> out) throws InterruptedException {
 *   for (int i = 1; i <= steps; i++) out.emit(i);
 * }
 * }</pre>
 *
 * <p>{@link #emit} blocks while the caller is not ready for more items (flow control), and
 * throws {@link InterruptedException} when the call is cancelled. Use it from the calling thread
 * only.
 *
 * @param <T> the item type
 */
public interface Emitter<T> {
  /**
   * Sends one item, waiting for the caller to be ready for it.
   *
   * @throws InterruptedException when the call is cancelled or its deadline passes
   */
  void emit(T item) throws InterruptedException;
}
