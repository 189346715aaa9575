package io.easyremote.bench.child;

import io.easyremote.protocol.Remote;
import java.util.stream.Stream;

/** What the benchmark node offers: echoes, a sleep and a stream of items, as plain Java methods. */
public final class BenchFunctions {
  /** Returns its argument: the small-call scenarios. */
  @Remote(idempotent = true)
  public String echo(String text) {
    return text;
  }

  /** Returns its bytes (raw BINARY payloads both ways): the payload-size scenarios. */
  @Remote(idempotent = true)
  public byte[] echoBytes(byte[] data) {
    return data;
  }

  /** Sleeps, then answers: the in-flight concurrency scenario. */
  @Remote
  public int sleep(int millis) throws InterruptedException {
    Thread.sleep(millis);
    return millis;
  }

  /** Streams {@code count} items of {@code size} bytes each (raw BINARY items): the streaming scenario. */
  @Remote(idempotent = true)
  public Stream<byte[]> items(int count, int size) {
    return itemStream(count, size);
  }

  /** The same {@code size} bytes {@code count} times; the node copies each item into its frame, as any producer's would be. */
  public static Stream<byte[]> itemStream(int count, int size) {
    byte[] data = new byte[size];
    for (int i = 0; i < size; i++) {
      data[i] = (byte) (i * 31);
    }
    return Stream.generate(() -> data).limit(count);
  }
}
