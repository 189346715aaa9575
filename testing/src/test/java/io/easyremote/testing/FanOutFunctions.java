package io.easyremote.testing;

import io.easyremote.protocol.Remote;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/** What the fan-out tests map and broadcast: each instance knows its node, how slow it is, and what it ran. */
public final class FanOutFunctions {
  private final String nodeId;
  private final long whoamiMillis;
  final Map<Integer, Integer> runs;

  /** A node answering {@code whoami} after {@code whoamiMillis}; every run of {@code square} is counted in {@code runs}. */
  public FanOutFunctions(String nodeId, long whoamiMillis, Map<Integer, Integer> runs) {
    this.nodeId = nodeId;
    this.whoamiMillis = whoamiMillis;
    this.runs = runs;
  }

  public FanOutFunctions(String nodeId) {
    this(nodeId, 0, new ConcurrentHashMap<>());
  }

  @Remote(description = "x squared, after sleeping millis", idempotent = true)
  public long square(int x, int millis) throws InterruptedException {
    runs.merge(x, 1, Integer::sum);
    if (millis > 0) {
      Thread.sleep(millis);
    }
    return (long) x * x;
  }

  @Remote(description = "x, unless x % 7 == 3")
  public int picky(int x) {
    if (x % 7 == 3) {
      throw new IllegalArgumentException("bad input " + x);
    }
    return x;
  }

  @Remote(description = "The node's id, after its delay", idempotent = true)
  public String whoami() throws InterruptedException {
    Thread.sleep(whoamiMillis);
    return nodeId;
  }
}
