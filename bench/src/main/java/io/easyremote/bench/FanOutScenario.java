package io.easyremote.bench;

import io.easyremote.bench.callers.Caller;
import io.easyremote.client.Client;
import io.easyremote.client.FanOut;
import io.easyremote.protocol.FunctionInfo;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;

/**
 * Scenario 9: {@code client.map} over N = 1, 2, 4, 8 nodes of a sleep-bound function (each node
 * has 4 slots; the map's window is the default, the free capacity the gateway reports): speed-up
 * against one node and the time each item costs beyond its sleep. Then the seeds' example at small
 * scale (1.2 s of work on one node, against three), and a map of no-op calls for the gateway's cost
 * per item when nothing waits.
 */
final class FanOutScenario implements Scenario {
  private static final int SLEEP_MS = 100;
  private static final int SLOTS = 4;
  /** 24 items × 200 ms over 4 slots: 1.2 s of work on one node. */
  private static final int SEEDS_ITEMS = 24;
  private static final int SEEDS_MS = 200;
  /** The gateway gives a new node a ramped share for its warm-up (3 s by default): measure after it. */
  private static final Duration NEW_NODE_WARMUP = Duration.ofMillis(3500);
  private static final List<Integer> SCALING = List.of(1, 2, 4, 8);

  @Override
  public String id() {
    return "fanout";
  }

  @Override
  public Section run(Lab lab, Settings settings) throws Exception {
    Section section = new Section(id(), "9. Fan-out: client.map of sleep(" + SLEEP_MS + " ms) over N nodes (" + SLOTS + " slots each)",
        "run", "nodes", "items", "ideal s", "median s", "items/s", "speed-up", "goal", "overhead ms per item");
    int rounds = settings.quick() ? 1 : 3;
    int waves = settings.quick() ? 5 : 10;
    try (ChildJvm gateway = ChildJvm.start(settings.logDir(), settings.gatewayJvmOptions(), "gateway", Integer.toString(Lab.MAX_PAYLOAD));
         ChildJvm nodes = ChildJvm.start(settings.logDir(), settings.nodeJvmOptions(), "nodes", "127.0.0.1:" + gateway.ready("port"), "fan",
             Integer.toString(SLOTS));
         Client client = Client.builder().gateway("127.0.0.1:" + gateway.ready("port")).deadline(Duration.ofSeconds(60)).build()) {
      int have = 0;
      double oneNodeRate = 0;
      double oneNodeAsyncRate = 0;
      double seedsOne = 0;
      for (int n : List.of(1, 2, 3, 4, 8)) {
        nodes.ask("add " + (n - have), Duration.ofSeconds(120));
        have = n;
        awaitNodes(client, n);
        long added = System.nanoTime();
        timeMap(client, "echo", Collections.nCopies(500, List.of("warm")), 0); // JIT and connections
        Thread.sleep(Math.max(0, NEW_NODE_WARMUP.toMillis() - (System.nanoTime() - added) / 1_000_000));
        if (SCALING.contains(n)) {
          int items = n * SLOTS * waves;
          double seconds = median(client, items, SLEEP_MS, rounds);
          double rate = items / seconds;
          if (n == 1) {
            oneNodeRate = rate;
          }
          double ideal = waves * SLEEP_MS / 1000.0;
          section.row("scaling", n, items, ideal, seconds, rate, rate / oneNodeRate, String.format(Locale.ROOT, "≥ %.1f", 0.9 * n),
              (seconds - ideal) * 1000 / waves);
          if (n == 1 || n == 8) { // the same calls without the map: callAsync with as many in flight as the map's window
            double async = medianAsync(client, items, n * SLOTS, rounds);
            double asyncRate = items / async;
            if (n == 1) {
              oneNodeAsyncRate = asyncRate;
            }
            section.row("same calls by callAsync", n, items, ideal, async, asyncRate, asyncRate / oneNodeAsyncRate, "–",
                (async - ideal) * 1000 / waves);
          }
        }
        if (n == 1 || n == 3) {
          double seconds = median(client, SEEDS_ITEMS, SEEDS_MS, rounds);
          double ideal = SEEDS_ITEMS * SEEDS_MS / 1000.0 / (n * SLOTS);
          if (n == 1) {
            seedsOne = seconds;
          }
          section.row("seeds' example (" + SEEDS_MS + " ms items)", n, SEEDS_ITEMS, ideal, seconds, SEEDS_ITEMS / seconds, seedsOne / seconds,
              String.format(Locale.ROOT, "≥ %.1f", 0.9 * n), (seconds - ideal) * 1000 / (SEEDS_ITEMS / (double) (n * SLOTS)));
        }
      }
      int echoes = settings.quick() ? 2_000 : 5_000;
      int window = 8 * SLOTS;
      timeAsync(client, "echo", "x", echoes / 4, window);
      double asyncSeconds = timeAsync(client, "echo", "x", echoes, window);
      double echoSeconds = timeMap(client, "echo", Collections.nCopies(echoes, List.of("x")), window);
      section.note(String.format(Locale.ROOT, "Each run maps sleep(%d ms) over items = nodes × %d slots × %d waves, so one node takes"
          + " %d waves' time and N nodes ideally the same: speed-up = items/s ÷ items/s on one node (goal ≥ 0.9·N). The map's window"
          + " is its default, the free capacity the gateway reports; the nodes are %d in one JVM, each with its own link.", SLEEP_MS,
          SLOTS, waves, waves, 8));
      section.note("overhead ms per item: (median − ideal) ÷ waves: what each item costs beyond its sleep (client, gateway, node, network,"
          + " and the map's ordering).");
      section.note(String.format(Locale.ROOT, "Seeds' example at small scale: %d items × %d ms = %.1f s of work on one node (4 slots),"
          + " against three nodes (their 120 s vs 35 s is 3.4×).", SEEDS_ITEMS, SEEDS_MS, SEEDS_ITEMS * SEEDS_MS / 1000.0 / SLOTS));
      section.note("Each node count is measured " + NEW_NODE_WARMUP.toMillis() + " ms after its nodes joined, past the gateway's warm-up"
          + " ramp for new nodes.");
      section.note(String.format(Locale.ROOT, "Cost per item when nothing waits: a map of %,d echo calls over the 8 nodes (window %d) took"
          + " %.2f s, %,.0f items/s, %.0f µs of wall time per item; the same calls made with callAsync, %d at a time, took %.2f s"
          + " (%,.0f calls/s): map ÷ callAsync = %.2f. One run each, same process, minutes apart from nothing.", echoes, window,
          echoSeconds, echoes / echoSeconds, echoSeconds * 1e6 / echoes, window, asyncSeconds, echoes / asyncSeconds,
          echoSeconds / asyncSeconds));
      section.note("same calls by callAsync: the scaling run's calls made without the map, as many in flight as its window: the"
          + " floor the map is measured against, in the same run.");
      section.note(String.format(Locale.ROOT, "Median of %d round%s per row.", rounds, rounds == 1 ? "" : "s"));
    }
    return section;
  }

  private static double median(Client client, int items, int millis, int rounds) {
    List<Double> times = new ArrayList<>();
    for (int r = 0; r < rounds; r++) {
      times.add(timeMap(client, "sleep", Collections.nCopies(items, List.of(millis)), 0));
    }
    Collections.sort(times);
    return times.get(times.size() / 2);
  }

  /** Seconds to map {@code function} over {@code inputs} and read every result; fails on any failed item. */
  private static double timeMap(Client client, String function, List<List<?>> inputs, int window) {
    long start = System.nanoTime();
    List<Object> values = client.map(function, Object.class, inputs, FanOut.builder().window(window).build()).values();
    double seconds = (System.nanoTime() - start) / 1e9;
    Caller.check(values.size() == inputs.size(), function + " map returned " + values.size() + " of " + inputs.size());
    return seconds;
  }

  private static double medianAsync(Client client, int calls, int window, int rounds) throws InterruptedException {
    List<Double> times = new ArrayList<>();
    for (int r = 0; r < rounds; r++) {
      times.add(timeAsync(client, "sleep", SLEEP_MS, calls, window));
    }
    Collections.sort(times);
    return times.get(times.size() / 2);
  }

  /** Seconds to make {@code calls} calls with callAsync, {@code window} in flight at a time: the map's baseline. */
  private static double timeAsync(Client client, String function, Object arg, int calls, int window) throws InterruptedException {
    java.util.concurrent.Semaphore slots = new java.util.concurrent.Semaphore(window);
    java.util.concurrent.atomic.AtomicReference<Throwable> failure = new java.util.concurrent.atomic.AtomicReference<>();
    long start = System.nanoTime();
    for (int i = 0; i < calls; i++) {
      slots.acquire();
      client.callAsync(function, Object.class, arg).whenComplete((value, error) -> {
        if (error != null || !String.valueOf(arg).equals(String.valueOf(value))) {
          failure.compareAndSet(null, error != null ? error : new IllegalStateException(function + " answered " + value));
        }
        slots.release();
      });
    }
    slots.acquire(window);
    double seconds = (System.nanoTime() - start) / 1e9;
    Caller.check(failure.get() == null, "callAsync " + function + ": " + failure.get());
    return seconds;
  }

  private static void awaitNodes(Client client, int expected) throws InterruptedException {
    long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
    while (true) {
      int seen = client.functions().stream().filter(f -> f.name().equals("sleep")).findFirst().map(FunctionInfo::nodeIds)
          .map(List::size).orElse(0);
      if (seen >= expected) {
        return;
      }
      if (System.nanoTime() > deadline) {
        throw new IllegalStateException("the gateway lists " + seen + " nodes offering sleep, expected " + expected);
      }
      Thread.sleep(50);
    }
  }
}
