package io.easyremote.bench;

import io.easyremote.client.Client;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Scenario 5: many calls in flight at once: a fresh gateway and a node with room for all of them
 * run a function that sleeps; every call must complete, none may be lost.
 */
final class ConcurrencyScenario implements Scenario {
  @Override
  public String id() {
    return "concurrency";
  }

  @Override
  public Section run(Lab lab, Settings settings) throws Exception {
    int calls = settings.inFlightCalls();
    int sleepMillis = settings.quick() ? 2000 : 3000;
    Section section = new Section(id(), "5. Concurrency: " + String.format("%,d", calls) + " calls in flight at once",
        "calls", "completed", "failed", "all done s", "peak in flight", "heap idle MB", "heap in flight MB", "KB per call", "RSS MB");
    try (ChildJvm gateway = ChildJvm.start(settings.logDir(), settings.gatewayJvmOptions(), "gateway", Integer.toString(Lab.MAX_PAYLOAD));
         ChildJvm node = ChildJvm.start(settings.logDir(), settings.nodeJvmOptions(), "node", "127.0.0.1:" + gateway.ready("port"), "sleepy-node",
             Integer.toString(calls));
         Client client = Client.builder().gateway("127.0.0.1:" + gateway.ready("port")).deadline(Duration.ofSeconds(60)).build()) {
      client.call("sleep", Integer.class, 1); // connected and warm
      long idleHeap = gateway.heapAfterGc();
      AtomicInteger failed = new AtomicInteger();
      List<CompletableFuture<Integer>> futures = new ArrayList<>(calls);
      long start = System.nanoTime();
      for (int i = 0; i < calls; i++) {
        futures.add(client.callAsync("sleep", Integer.class, sleepMillis).whenComplete((r, e) -> {
          if (e != null || r == null || r != sleepMillis) {
            failed.incrementAndGet();
          }
        }));
      }
      int peak = 0;
      long heapInFlight = -1;
      long rss = -1;
      while (System.nanoTime() - start < TimeUnit.MILLISECONDS.toNanos(sleepMillis) / 3) {
        peak = Math.max(peak, Integer.parseInt(gateway.ask("inflight", Duration.ofSeconds(10))[0]));
        Thread.sleep(50);
      }
      heapInFlight = gateway.heapAfterGc();
      rss = Procs.rssBytes(gateway.pid());
      peak = Math.max(peak, Integer.parseInt(gateway.ask("inflight", Duration.ofSeconds(10))[0]));
      CompletableFuture.allOf(futures.toArray(CompletableFuture[]::new)).exceptionally(e -> null).get(120, TimeUnit.SECONDS);
      double seconds = (System.nanoTime() - start) / 1e9;
      int completed = (int) futures.stream().filter(f -> !f.isCompletedExceptionally()).count();
      section.row(calls, completed, failed.get(), seconds, peak, idleHeap / 1e6, heapInFlight / 1e6,
          (heapInFlight - idleHeap) / 1024.0 / Math.max(1, peak), rss / 1e6);
      section.note("Each call sleeps " + sleepMillis + " ms on one node with max concurrency " + String.format("%,d", calls)
          + "; one client connection, async calls. Ideal 'all done' is " + sleepMillis / 1000.0 + " s.");
      section.note("peak in flight: the gateway's own count, polled every 50 ms. heap: the gateway's live heap after a full GC,"
          + " idle and while the calls were in flight; RSS while they were in flight.");
      if (completed != calls || failed.get() > 0) {
        section.note("LOST OR FAILED CALLS: " + (calls - completed) + " did not complete; see " + settings.logDir());
      }
    }
    return section;
  }
}
