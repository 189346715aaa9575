package io.easyremote.bench;

import io.easyremote.client.Client;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Scenario 5: many calls in flight at once: a fresh gateway and a node with room for all of them
 * run a function that sleeps; every call must complete, none may be lost. Gateway and node are
 * warmed up first with smaller bursts, so the burst measures the relay, not the JIT.
 */
final class ConcurrencyScenario implements Scenario {
  /** Calls in flight at once while warming up: well under the measured burst. */
  private static final int WARMUP_BURST = 500;

  @Override
  public String id() {
    return "concurrency";
  }

  @Override
  public Section run(Lab lab, Settings settings) throws Exception {
    int calls = settings.inFlightCalls();
    int sleepMillis = settings.quick() ? 2000 : 5000;
    Section section = new Section(id(), "5. Concurrency: " + String.format("%,d", calls) + " calls in flight at once",
        "calls", "completed", "failed", "sent s", "all done s", "peak in flight", "heap idle MB", "heap in flight MB", "KB per call", "RSS MB");
    try (ChildJvm gateway = ChildJvm.start(settings.logDir(), settings.gatewayJvmOptions(), "gateway", Integer.toString(Lab.MAX_PAYLOAD));
         ChildJvm node = ChildJvm.start(settings.logDir(), settings.nodeJvmOptions(), "node", "127.0.0.1:" + gateway.ready("port"), "sleepy-node",
             Integer.toString(calls));
         Client client = Client.builder().gateway("127.0.0.1:" + gateway.ready("port")).deadline(Duration.ofSeconds(60)).build()) {
      client.call("sleep", Integer.class, 1); // connected
      // Fresh JVMs compile for tens of seconds, and 10,000 calls sent to a cold gateway and node measured their C2
      // threads (half of every process's CPU). Warm the same path up in bursts of WARMUP_BURST calls in flight: the
      // node's pool grows to that, not to the measured burst's size, so its thread creation still counts below.
      long warmUntil = System.nanoTime() + settings.jitWarmup().dividedBy(2).toNanos();
      int warmCalls = 0;
      while (System.nanoTime() < warmUntil) {
        List<CompletableFuture<Integer>> burst = new ArrayList<>(WARMUP_BURST);
        for (int i = 0; i < WARMUP_BURST; i++) {
          burst.add(client.callAsync("sleep", Integer.class, 1));
        }
        CompletableFuture.allOf(burst.toArray(CompletableFuture[]::new)).get(60, TimeUnit.SECONDS);
        warmCalls += WARMUP_BURST;
      }
      long idleHeap = gateway.heapAfterGc();
      AtomicInteger failed = new AtomicInteger();
      AtomicReference<Throwable> firstFailure = new AtomicReference<>();
      List<CompletableFuture<Integer>> futures = new ArrayList<>(calls);
      long start = System.nanoTime();
      for (int i = 0; i < calls; i++) {
        futures.add(client.callAsync("sleep", Integer.class, sleepMillis).whenComplete((r, e) -> {
          if (e != null || r == null || r != sleepMillis) {
            failed.incrementAndGet();
            firstFailure.compareAndSet(null, e);
          }
        }));
      }
      double submitted = (System.nanoTime() - start) / 1e9;
      CompletableFuture<Void> all = CompletableFuture.allOf(futures.toArray(CompletableFuture[]::new)).exceptionally(e -> null);
      int[] peaks = new int[2];
      Thread poller = new Thread(() -> {
        try {
          while (!all.isDone()) {
            String[] counts = gateway.ask("inflight", Duration.ofSeconds(10));
            peaks[0] = Math.max(peaks[0], Integer.parseInt(counts[0]));
            peaks[1] = Math.max(peaks[1], Integer.parseInt(counts[1]));
            Thread.sleep(50);
          }
        } catch (Exception e) {
          // the gateway went away: the futures say what happened
        }
      }, "bench-inflight-poller");
      poller.start();
      long settleBy = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(sleepMillis / 2);
      while (System.nanoTime() < settleBy && Integer.parseInt(gateway.ask("inflight", Duration.ofSeconds(10))[0]) < calls * 95 / 100) {
        Thread.sleep(20);
      }
      long inFlightAtHeap = Integer.parseInt(gateway.ask("inflight", Duration.ofSeconds(10))[0]);
      long heapInFlight = gateway.heapAfterGc();
      long rss = Procs.rssBytes(gateway.pid());
      all.get(120, TimeUnit.SECONDS);
      poller.join();
      double seconds = (System.nanoTime() - start) / 1e9;
      int completed = (int) futures.stream().filter(f -> !f.isCompletedExceptionally()).count();
      section.row(calls, completed, failed.get(), submitted, seconds, peaks[0], idleHeap / 1e6, heapInFlight / 1e6,
          (heapInFlight - idleHeap) / 1024.0 / Math.max(1, inFlightAtHeap), rss / 1e6);
      section.note(String.format("Warm-up first: %,d calls in bursts of %d in flight (1 ms sleeps) over %d s, so the fresh gateway and node are"
          + " compiled; the node's pool then holds at most %d threads.", warmCalls, WARMUP_BURST, settings.jitWarmup().dividedBy(2).toSeconds(),
          WARMUP_BURST));
      section.note("Peak queued at the gateway: " + peaks[1] + " (calls wait there only when every node is full).");
      section.note("Each call sleeps " + sleepMillis + " ms on one node with max concurrency " + String.format("%,d", calls)
          + "; one client connection, async calls sent as fast as one thread can (sent s). Ideal 'all done' is the sleep plus"
          + " the sending time; on Java 17 the node runs each call on a platform thread, on 21+ on a virtual thread.");
      section.note("peak in flight: the gateway's own count, polled every 50 ms until all are done. heap: the gateway's live heap"
          + " after a full GC, idle and once 95% of the calls are in flight (" + inFlightAtHeap + " then); RSS then;"
          + " KB per call = heap growth ÷ calls in flight then.");
      if (completed != calls || failed.get() > 0) {
        section.fail((calls - completed) + " did not complete (first: " + firstFailure.get()
            + "); see " + settings.logDir());
      }
    }
    return section;
  }
}
