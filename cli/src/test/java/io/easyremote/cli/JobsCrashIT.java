package io.easyremote.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.easyremote.client.Client;
import io.easyremote.client.Job;
import io.easyremote.node.ComputeNode;
import io.easyremote.protocol.ErrorCode;
import io.easyremote.protocol.Remote;
import io.easyremote.protocol.RemoteException;
import io.easyremote.testing.PostgresServer;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The durability promise of async jobs under {@code kill -9}: 1,000 jobs, half of an idempotent
 * function and half of a non-idempotent one, are submitted to a gateway running as its own JVM;
 * once a quarter have run, the gateway is killed with SIGKILL and restarted on the same state.
 * Every accepted job must then be accounted for (succeeded, or failed with JOB_INTERRUPTED, or
 * NODE_LOST, when it may have run), none missing, and no non-idempotent job may have run twice: the node, in this
 * JVM, counts every execution. Once on SQLite, once on a real PostgreSQL.
 *
 * <p>The node runs at most 16 jobs at once, each for 20 to 60 ms, and holds the first ones until
 * all 1,000 are accepted: the kill then lands with jobs queued, running and finished.
 */
@org.junit.jupiter.api.Tag("soak")
class JobsCrashIT {
  private static final int JOBS = Integer.getInteger("easyremote.crash.jobs", 1000);

  /** Counts each execution by argument; even arguments go to the idempotent function, odd to the other. */
  public static final class Counted {
    final Map<Integer, AtomicInteger> runs = new ConcurrentHashMap<>();
    final AtomicInteger total = new AtomicInteger();
    /** Opened once every job is accepted, so that the kill finds jobs queued, running and done. */
    final java.util.concurrent.CountDownLatch open = new java.util.concurrent.CountDownLatch(1);

    @Remote(idempotent = true)
    public int again(int i) throws InterruptedException {
      return work(i);
    }

    @Remote
    public int once(int i) throws InterruptedException {
      return work(i);
    }

    private int work(int i) throws InterruptedException {
      runs.computeIfAbsent(i, k -> new AtomicInteger()).incrementAndGet();
      total.incrementAndGet();
      if (!open.await(120, TimeUnit.SECONDS)) {
        throw new IllegalStateException("never opened");
      }
      Thread.sleep(ThreadLocalRandom.current().nextInt(20, 60)); // simulated work, so that some jobs are mid-run at the kill
      return i;
    }
  }

  @Test
  @Timeout(240)
  void killNine_onSqlite_everyJobAccountedFor_noneRunTwice(@TempDir Path state) throws Exception {
    crashAndRecover("SQLite", "--state", state.toString());
  }

  @Test
  @Timeout(240)
  void killNine_onPostgres_everyJobAccountedFor_noneRunTwice() throws Exception {
    try (PostgresServer pg = PostgresServer.start()) {
      crashAndRecover("PostgreSQL", "--state-url", pg.jdbcUrlWithCredentials());
    }
  }

  private void crashAndRecover(String database, String... stateArgs) throws Exception {
    int port = freePort();
    List<String> args = new ArrayList<>(List.of("gateway", "--port", String.valueOf(port)));
    args.addAll(List.of(stateArgs));
    Path log1 = Jvm.log("JobsCrashIT-gateway");
    Process first = Jvm.start(log1, args.toArray(String[]::new));
    Process second = null;
    Counted counted = new Counted();
    String address = Jvm.awaitListening(first, log1);
    ExecutorService submitters = Executors.newFixedThreadPool(8);
    try (ComputeNode node = ComputeNode.builder().gateway(address).id("crash-node").register(counted).maxConcurrency(16)
            .reconnectBackoff(Duration.ofMillis(50), Duration.ofMillis(500)).build().start();
         Client client = Client.builder().gateway(address).deadline(Duration.ofSeconds(10)).build()) {
      Map<String, Integer> accepted = new ConcurrentHashMap<>();
      AtomicInteger refused = new AtomicInteger();
      List<CompletableFuture<Void>> submitting = new ArrayList<>();
      for (int t = 0; t < 8; t++) {
        int offset = t;
        submitting.add(CompletableFuture.runAsync(() -> {
          for (int i = offset; i < JOBS; i += 8) {
            try {
              accepted.put(client.submit(i % 2 == 0 ? "again" : "once", Integer.class, i).id(), i);
            } catch (RemoteException e) {
              refused.incrementAndGet(); // not accepted (a timeout under load): not promised
            }
          }
        }, submitters));
      }
      CompletableFuture.allOf(submitting.toArray(CompletableFuture[]::new)).get(120, TimeUnit.SECONDS);
      int acceptedBeforeRestart = accepted.size();
      counted.open.countDown();
      Awaitility.await("a quarter of the jobs run").atMost(Duration.ofSeconds(90)).until(() -> counted.total.get() >= JOBS / 4);
      first.destroyForcibly(); // SIGKILL
      assertThat(first.waitFor(10, TimeUnit.SECONDS)).isTrue();
      int runBeforeKill = counted.total.get();
      assertThat(runBeforeKill).as("killed mid-run").isLessThan(acceptedBeforeRestart);

      Path log2 = Jvm.log("JobsCrashIT-gateway-restarted");
      second = Jvm.start(log2, args.toArray(String[]::new));
      Jvm.awaitListening(second, log2);

      Map<String, CompletableFuture<Object>> outcomes = new TreeMap<>();
      for (String id : accepted.keySet()) {
        outcomes.put(id, client.job(id, Integer.class).result().<Object>thenApply(v -> v).exceptionally(t -> t.getCause() != null ? t.getCause() : t));
      }
      CompletableFuture.allOf(outcomes.values().toArray(CompletableFuture[]::new)).get(120, TimeUnit.SECONDS);

      int succeededAgain = 0;
      int succeededOnce = 0;
      int interrupted = 0;
      int nodeLost = 0;
      int reRun = 0;
      List<String> wrong = new ArrayList<>();
      for (Map.Entry<String, CompletableFuture<Object>> e : outcomes.entrySet()) {
        int i = accepted.get(e.getKey());
        Object outcome = e.getValue().join();
        int runs = counted.runs.getOrDefault(i, new AtomicInteger()).get();
        boolean idempotent = i % 2 == 0;
        if (outcome instanceof Integer value && value == i) {
          if (idempotent) {
            succeededAgain++;
            reRun += runs > 1 ? 1 : 0;
          } else {
            succeededOnce++;
          }
          if (runs < 1 || (!idempotent && runs != 1)) {
            wrong.add(e.getKey() + " (" + i + ") succeeded but ran " + runs + " times");
          }
        } else if (outcome instanceof RemoteException r && !idempotent
            && (r.code() == ErrorCode.JOB_INTERRUPTED || r.code() == ErrorCode.NODE_LOST)) {
          // named failures of a job that may have run: the gateway died under it, or judged its node lost
          if (r.code() == ErrorCode.JOB_INTERRUPTED) {
            interrupted++;
          } else {
            nodeLost++;
          }
          if (runs > 1) {
            wrong.add(e.getKey() + " (" + i + ") interrupted but ran " + runs + " times");
          }
        } else {
          wrong.add(e.getKey() + " (" + i + (idempotent ? ", idempotent" : "") + "): " + outcome);
        }
      }
      for (Map.Entry<Integer, AtomicInteger> run : counted.runs.entrySet()) {
        if (run.getKey() % 2 == 1 && run.getValue().get() > 1) {
          wrong.add("non-idempotent job " + run.getKey() + " ran " + run.getValue().get() + " times");
        }
      }
      System.out.printf("Crash test on %s: %d submitted, %d accepted, %d refused; %d executions before "
              + "the kill -9; after restart: %d idempotent succeeded (%d of them re-run), %d non-idempotent succeeded, %d failed with "
              + "JOB_INTERRUPTED, %d failed with NODE_LOST, %d missing or wrong%n", database, JOBS, acceptedBeforeRestart, refused.get(),
          runBeforeKill, succeededAgain, reRun, succeededOnce, interrupted, nodeLost, wrong.size());
      assertThat(wrong).as("jobs not accounted for").isEmpty();
      assertThat(succeededAgain + succeededOnce + interrupted + nodeLost).isEqualTo(acceptedBeforeRestart);
      assertThat(interrupted).as("the kill found non-idempotent jobs running").isPositive();
      assertThat(acceptedBeforeRestart + refused.get()).isEqualTo(JOBS);
    } finally {
      submitters.shutdownNow();
      first.destroyForcibly().waitFor(10, TimeUnit.SECONDS); // gone before JUnit deletes its state directory
      if (second != null) {
        Jvm.stop(second);
      }
    }
  }

  private static int freePort() throws Exception {
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return s.getLocalPort();
    }
  }
}
