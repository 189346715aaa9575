package io.easyremote.client.internal.stream;

/**
 * How far a stream's producer may run ahead of its reader: at most {@code items} items, and about
 * {@code bytes} bytes of them. The item window a stream grants is {@code bytes} divided by the
 * largest item seen so far, between 1 and {@code items}: a stream of small items gets the whole
 * item window (enough to hide the round trip of its credits), one of large items a few. A stream
 * opens with at most {@link #OPENING} credits, before any item's size is known.
 *
 * @param items the most items granted ahead of the reader, 1 or more
 * @param bytes about the most bytes of items granted ahead of the reader, 1 or more
 */
public record StreamWindow(int items, long bytes) {
  /** The most credits a stream opens with, before it has seen an item. */
  public static final int OPENING = 64;

  public StreamWindow {
    if (items < 1 || bytes < 1) {
      throw new IllegalArgumentException("a stream window needs at least 1 item and 1 byte: " + items + ", " + bytes);
    }
  }

  /** The credits a stream opens with. */
  public int opening() {
    return Math.min(items, OPENING);
  }

  /** The window, in items, once the largest item seen has {@code largestItemBytes} bytes. */
  public int items(long largestItemBytes) {
    long fit = bytes / Math.max(1, largestItemBytes);
    return (int) Math.max(1, Math.min(items, fit));
  }
}
