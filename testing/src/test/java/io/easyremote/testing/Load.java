package io.easyremote.testing;

import io.easyremote.client.Client;
import io.easyremote.protocol.RemoteException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;

/** Bounded concurrent load for tests: N callers, each making a fixed number of sequential calls. */
final class Load {
  /** Latencies in milliseconds and the number of failed calls. */
  record Result(double[] latenciesMillis, int failures) {
    double mean() {
      return Arrays.stream(latenciesMillis).average().orElse(Double.NaN);
    }

    double percentile(double p) {
      double[] sorted = latenciesMillis.clone();
      Arrays.sort(sorted);
      if (sorted.length == 0) {
        return Double.NaN;
      }
      int index = (int) Math.ceil(p / 100.0 * sorted.length) - 1;
      return sorted[Math.max(0, Math.min(sorted.length - 1, index))];
    }
  }

  private Load() {}

  /** Runs {@code callers × callsEach} calls of {@code call}; every call must finish within the client's deadline. */
  static Result run(Client client, int callers, int callsEach, Function<Client, Object> call) throws Exception {
    ExecutorService pool = Executors.newFixedThreadPool(callers);
    try {
      List<Future<double[]>> futures = new ArrayList<>();
      int[] failures = new int[1];
      for (int c = 0; c < callers; c++) {
        futures.add(pool.submit(() -> {
          double[] latencies = new double[callsEach];
          for (int i = 0; i < callsEach; i++) {
            long start = System.nanoTime();
            try {
              call.apply(client);
            } catch (RemoteException e) {
              synchronized (failures) {
                failures[0]++;
                if (failures[0] <= 3) {
                  System.err.println("Load: call failed: " + e);
                }
              }
            }
            latencies[i] = (System.nanoTime() - start) / 1e6;
          }
          return latencies;
        }));
      }
      List<Double> all = new ArrayList<>();
      for (Future<double[]> f : futures) {
        for (double v : f.get(120, TimeUnit.SECONDS)) {
          all.add(v);
        }
      }
      return new Result(all.stream().mapToDouble(Double::doubleValue).toArray(), failures[0]);
    } finally {
      pool.shutdownNow();
    }
  }
}
