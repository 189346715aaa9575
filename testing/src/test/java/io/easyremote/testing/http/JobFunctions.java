package io.easyremote.testing.http;

import io.easyremote.protocol.Remote;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/** Functions for the job tests: quick, failing, and one that blocks until its tag is released. */
public final class JobFunctions {
  static final ConcurrentHashMap<String, CountDownLatch> gates = new ConcurrentHashMap<>();
  static final AtomicInteger interrupted = new AtomicInteger();
  static final AtomicInteger started = new AtomicInteger();

  static void release(String tag) {
    gates.computeIfAbsent(tag, t -> new CountDownLatch(1)).countDown();
  }

  @Remote(description = "Adds two integers", idempotent = true)
  public int add(int a, int b) {
    return a + b;
  }

  @Remote
  public String fail(String message) {
    throw new IllegalStateException(message);
  }

  @Remote(description = "Blocks until the test releases the tag; counts interruptions")
  public String block(String tag) throws InterruptedException {
    started.incrementAndGet();
    try {
      if (!gates.computeIfAbsent(tag, t -> new CountDownLatch(1)).await(60, TimeUnit.SECONDS)) {
        return "timed out";
      }
      return "released " + tag;
    } catch (InterruptedException e) {
      interrupted.incrementAndGet();
      throw e;
    }
  }

  @Remote(description = "A result of n bytes of text")
  public String big(int n) {
    return "x".repeat(n);
  }
}
