package io.easyremote.bench.child;

import io.easyremote.protocol.Remote;

/** What the benchmark node offers: echoes and a sleep, as plain Java methods. */
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
}
