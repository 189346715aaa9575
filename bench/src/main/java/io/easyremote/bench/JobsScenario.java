package io.easyremote.bench;

import io.easyremote.client.Client;
import io.easyremote.client.Job;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.HdrHistogram.Histogram;

/**
 * Scenario 8: async jobs on SQLite and on PostgreSQL next to plain calls through the same gateway:
 * jobs submitted (stored) per second, jobs done per second, and the time from submit to a read
 * result against a plain call's latency. Each database gets its own gateway and node processes.
 */
final class JobsScenario implements Scenario {
  private static final int CALLERS = 32;
  private static final String TEXT = "0123456789abcdef0123456789abcdef";

  @Override
  public String id() {
    return "jobs";
  }

  @Override
  public Section run(Lab lab, Settings settings) throws Exception {
    int jobs = settings.quick() ? 1000 : 5000;
    int sequential = settings.quick() ? 100 : 300;
    Section section = new Section(id(), "8. Async jobs (durable) next to plain calls, same gateway",
        "store", "plain calls/s", "jobs submitted/s", "jobs done/s", "call p50 ms", "submit→result p50 ms", "job overhead p50 ms");
    try (ScratchDir dir = ScratchDir.create("easyremote-bench-jobs")) {
      measure(section, "SQLite (WAL, synchronous=FULL)", "sqlite:" + dir, settings, jobs, sequential);
    }
    try (Postgres pg = Postgres.start(settings.repo())) {
      measure(section, "PostgreSQL 15 (local)", "postgres:" + pg.url(), settings, jobs, sequential);
    }
    section.note(String.format(Locale.ROOT, "%d calls and %d jobs of echo(32 B) from %d concurrent callers (submitted/s: until every "
        + "submit was acknowledged, i.e. stored; done/s: until every result was read); then %d sequential calls and %d sequential "
        + "submit-then-wait jobs for the latencies. Overhead = job p50 − call p50: the store's writes (insert, start, finish; group "
        + "committed) and the result's watch stream.", jobs, jobs, CALLERS, sequential, sequential));
    return section;
  }

  private void measure(Section section, String name, String state, Settings settings, int jobs, int sequential) throws Exception {
    try (ChildJvm gateway = ChildJvm.start(settings.logDir(), settings.gatewayJvmOptions(), "gateway", Integer.toString(1 << 20), "1000",
            state);
         ChildJvm node = ChildJvm.start(settings.logDir(), settings.nodeJvmOptions(), "node", "127.0.0.1:" + gateway.ready("port"),
             "jobs-node", "256");
         Client client = Client.builder().gateway("127.0.0.1:" + gateway.ready("port")).deadline(Duration.ofSeconds(60)).build()) {
      ExecutorService pool = Executors.newFixedThreadPool(CALLERS);
      try {
        // warm-up: the JIT of both processes and the store's statements
        for (int i = 0; i < 300; i++) {
          client.call("echo", String.class, TEXT);
          client.submit("echo", String.class, TEXT).result().get(30, TimeUnit.SECONDS);
        }
        double callsPerSecond = jobs / parallel(pool, jobs, () -> client.call("echo", String.class, TEXT));

        List<CompletableFuture<String>> results = java.util.Collections.synchronizedList(new ArrayList<>());
        long t0 = System.nanoTime();
        double submitSeconds = parallel(pool, jobs, () -> results.add(client.submit("echo", String.class, TEXT).result()));
        CompletableFuture.allOf(results.toArray(CompletableFuture[]::new)).get(300, TimeUnit.SECONDS);
        double doneSeconds = (System.nanoTime() - t0) / 1e9;
        for (CompletableFuture<String> r : results) {
          if (!TEXT.equals(r.join())) {
            section.fail(name + ": a job answered " + r.join());
          }
        }

        Histogram calls = Sample.histogram();
        Histogram jobLatency = Sample.histogram();
        for (int i = 0; i < sequential; i++) {
          long s = System.nanoTime();
          client.call("echo", String.class, TEXT);
          calls.recordValue(System.nanoTime() - s);
          s = System.nanoTime();
          Job<String> job = client.submit("echo", String.class, TEXT);
          job.result().get(30, TimeUnit.SECONDS);
          jobLatency.recordValue(System.nanoTime() - s);
        }
        double callP50 = calls.getValueAtPercentile(50) / 1e6;
        double jobP50 = jobLatency.getValueAtPercentile(50) / 1e6;
        section.row(name, callsPerSecond, jobs / submitSeconds, jobs / doneSeconds, callP50, jobP50, jobP50 - callP50);
      } finally {
        pool.shutdownNow();
      }
    }
  }

  /** Runs {@code work} {@code count} times on the pool's threads; returns the seconds it took. */
  private static double parallel(ExecutorService pool, int count, Runnable work) throws Exception {
    AtomicLong left = new AtomicLong(count);
    List<CompletableFuture<Void>> workers = new ArrayList<>();
    long t0 = System.nanoTime();
    for (int c = 0; c < CALLERS; c++) {
      workers.add(CompletableFuture.runAsync(() -> {
        while (left.getAndDecrement() > 0) {
          work.run();
        }
      }, pool));
    }
    CompletableFuture.allOf(workers.toArray(CompletableFuture[]::new)).get(300, TimeUnit.SECONDS);
    return (System.nanoTime() - t0) / 1e9;
  }
}
