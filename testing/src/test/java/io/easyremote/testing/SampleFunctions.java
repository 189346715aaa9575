package io.easyremote.testing;

import io.easyremote.protocol.Remote;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;

/** Functions the end-to-end tests call; each instance knows which node it runs on and what it saw. */
public final class SampleFunctions {
  /** A value type that travels as a JSON object. */
  public record Point(int x, int y) {}

  /** A mutable bean, to check POJOs as well as records. */
  public static final class Box {
    private String label;
    private List<Point> corners;

    public String getLabel() {
      return label;
    }

    public void setLabel(String label) {
      this.label = label;
    }

    public List<Point> getCorners() {
      return corners;
    }

    public void setCorners(List<Point> corners) {
      this.corners = corners;
    }
  }

  private final String nodeId;
  final AtomicInteger running = new AtomicInteger();
  final AtomicInteger maxRunning = new AtomicInteger();
  final AtomicInteger interrupted = new AtomicInteger();
  final CountDownLatch gate = new CountDownLatch(1);

  public SampleFunctions(String nodeId) {
    this.nodeId = nodeId;
  }

  @Remote(description = "Adds two integers", idempotent = true)
  public int add(int a, int b) {
    return a + b;
  }

  @Remote
  public double half(double value) {
    return value / 2;
  }

  @Remote
  public boolean not(boolean value) {
    return !value;
  }

  @Remote
  public long big(long value) {
    return value * 2;
  }

  @Remote
  public String echo(String text) {
    return text;
  }

  @Remote
  public List<Integer> range(int n) {
    return java.util.stream.IntStream.range(0, n).boxed().collect(Collectors.toList());
  }

  @Remote
  public Map<String, Integer> lengths(List<String> words) {
    Map<String, Integer> out = new LinkedHashMap<>();
    words.forEach(w -> out.put(w, w.length()));
    return out;
  }

  @Remote
  public Point move(Point p, int dx) {
    return new Point(p.x() + dx, p.y());
  }

  @Remote
  public List<Point> points(int n) {
    return java.util.stream.IntStream.range(0, n).mapToObj(i -> new Point(i, i * i)).collect(Collectors.toList());
  }

  @Remote
  public Box box(String label, List<Point> corners) {
    Box box = new Box();
    box.setLabel(label);
    box.setCorners(corners);
    return box;
  }

  @Remote
  public String nothing() {
    return null;
  }

  @Remote
  public String orDefault(String value) {
    return value == null ? "default" : value;
  }

  @Remote
  public byte[] reverse(byte[] data) {
    byte[] out = new byte[data.length];
    for (int i = 0; i < data.length; i++) {
      out[i] = data[data.length - 1 - i];
    }
    return out;
  }

  @Remote(description = "The id of the node that served the call")
  public String whoami() {
    return nodeId;
  }

  @Remote(description = "Sleeps, counting concurrency and interruptions")
  public String sleep(long millis) throws InterruptedException {
    int now = running.incrementAndGet();
    maxRunning.accumulateAndGet(now, Math::max);
    try {
      Thread.sleep(millis);
      return nodeId;
    } catch (InterruptedException e) {
      interrupted.incrementAndGet();
      throw e;
    } finally {
      running.decrementAndGet();
    }
  }

  @Remote(description = "Blocks until the test opens the gate")
  public String await() throws InterruptedException {
    if (!gate.await(20, TimeUnit.SECONDS)) {
      throw new IllegalStateException("gate never opened");
    }
    return nodeId;
  }

  @Remote
  public String fail(String message) {
    throw new IllegalStateException(message);
  }

  /** Items produced by streaming functions, and whether a stream saw its cancellation. */
  final AtomicInteger produced = new AtomicInteger();
  final AtomicInteger streamsCancelled = new AtomicInteger();

  /** Items produced so far by the streaming functions. */
  public int produced() {
    return produced.get();
  }

  /** Streams that observed their cancellation. */
  public int streamsCancelled() {
    return streamsCancelled.get();
  }

  @Remote(description = "Streams 1..n, one every delayMs")
  public void count(int n, long delayMs, io.easyremote.node.Emitter<Integer> out) throws InterruptedException {
    try {
      for (int i = 1; i <= n; i++) {
        if (i > 1 && delayMs > 0) {
          Thread.sleep(delayMs);
        }
        out.emit(i);
        produced.incrementAndGet();
      }
    } catch (InterruptedException e) {
      streamsCancelled.incrementAndGet();
      throw e;
    }
  }

  @Remote(description = "Streams integers 0..n-1 as fast as the caller takes them")
  public java.util.stream.Stream<Integer> numbers(int n) {
    return java.util.stream.IntStream.range(0, n).peek(i -> produced.incrementAndGet()).boxed();
  }

  @Remote(description = "Streams 1 KiB strings without end, counting them")
  public java.util.Iterator<String> firehose() {
    String kib = "x".repeat(1024);
    return new java.util.Iterator<>() {
      @Override
      public boolean hasNext() {
        return true;
      }

      @Override
      public String next() {
        produced.incrementAndGet();
        return kib;
      }
    };
  }

  @Remote(description = "Streams n items then throws")
  public java.util.stream.Stream<Integer> breaksAfter(int n) {
    return java.util.stream.IntStream.rangeClosed(1, n + 1).mapToObj(i -> {
      if (i > n) {
        throw new IllegalStateException("broken after " + n);
      }
      return i;
    });
  }
}
