package io.easyremote.testing;

import io.easyremote.protocol.Remote;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Functions that record every run by the caller's token, so a test can prove whether a call ran
 * once, twice or never. The ledger is shared by all nodes of a test.
 */
public final class Ledger {
  private final String nodeId;
  private final Map<String, Integer> runs;

  public Ledger(String nodeId, Map<String, Integer> runs) {
    this.nodeId = nodeId;
    this.runs = runs;
  }

  /** A shared ledger. */
  public static Map<String, Integer> newRuns() {
    return new ConcurrentHashMap<>();
  }

  @Remote(idempotent = true, description = "Safe to repeat")
  public String lookup(String token, int millis) throws InterruptedException {
    runs.merge(token, 1, Integer::sum);
    Thread.sleep(millis);
    return nodeId;
  }

  @Remote(description = "Must not run twice")
  public String charge(String token, int millis) throws InterruptedException {
    runs.merge(token, 1, Integer::sum);
    Thread.sleep(millis);
    return nodeId;
  }

  @Remote(description = "Counts its runs per token")
  public int count(String token, int millis) throws InterruptedException {
    int n = runs.merge(token, 1, Integer::sum);
    Thread.sleep(millis);
    return n;
  }
}
