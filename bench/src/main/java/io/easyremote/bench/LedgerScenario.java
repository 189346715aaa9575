package io.easyremote.bench;

import io.easyremote.store.Ledger;
import io.easyremote.store.Store;
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
 * Scenario 11: the credits ledger alone, in this process, on SQLite and on PostgreSQL: paid calls
 * settled per second, each one a reservation ({@code reserveCall}) then a settlement
 * ({@code settleCall}: the charge posted, the node owner's share and the operator's fee paid, the
 * rest released), from 16 concurrent submitters waiting for each step, then with 16 calls in flight
 * each, then the same with each call charged in one request ({@code chargeCall}: the call itemized in
 * one row, its share and fee posted from the caller in transfers shared with its batch's other calls),
 * and with {@code tallyCall} (the same without the row: what the gateway writes for a short call).
 * Every write goes through the store's group commit. The ledger is audited afterwards.
 */
final class LedgerScenario implements Scenario {
  private static final int SUBMITTERS = 16;
  private static final int OWNERS = 4;

  /** How a row charges its calls. */
  private enum Charging {
    /** reserveCall, then settleCall. */
    TWO_STEPS(""),
    /** chargeCall: one request, one row per call. */
    CHARGE_CALL(", chargeCall"),
    /** tallyCall: one request, no row. */
    TALLY_CALL(", tallyCall");

    final String label;

    Charging(String label) {
      this.label = label;
    }
  }

  @Override
  public String id() {
    return "ledger";
  }

  @Override
  public Section run(Lab lab, Settings settings) throws Exception {
    int calls = settings.quick() ? 2_000 : 10_000;
    Section section = new Section(id(), "11. Credits ledger: paid calls settled per second (reserve, then settle), in process",
        "store", "submitters × in flight", "settled calls/s", "transfers/s", "reserve+settle p50 ms", "p99 ms", "audit");
    try (ScratchDir dir = ScratchDir.create("easyremote-bench-ledger"); Store store = Store.sqlite(dir.path())) {
      measure(section, "SQLite (WAL, synchronous=FULL)", store, calls);
    }
    try (Postgres pg = Postgres.start(settings.repo()); Store store = Store.postgres(pg.url(), null, null)) {
      measure(section, "PostgreSQL 15 (local)", store, calls);
    }
    section.note(String.format(Locale.ROOT, "%,d paid calls per row from %d submitters over %d caller and %d node-owner accounts, "
        + "fee 5 %%. A settled call writes 4 transfers (PENDING, POST, share, fee) in 2 ledger batches, each shared with every request queued "
        + "meanwhile and group committed; "
        + "'× 1': each submitter waits for its reservation, then its settlement; '× 16': each keeps 16 calls in flight "
        + "(as a gateway does); '× 16, chargeCall': the same calls charged in one request each (Ledger.chargeCall: one row "
        + "itemizing the call, its share and fee added to its batch's transfers from its caller to its node owner and to the operator); "
        + "'× 16, tallyCall': the same without the row (Ledger.tallyCall, what the gateway writes for a call that completes within "
        + "100 ms). transfers/s: transfer rows written. "
        + "audit: conservation, every account's totals rechecked from the transfers, every batched transfer from its calls.", calls,
        SUBMITTERS,
        SUBMITTERS, OWNERS));
    return section;
  }

  private void measure(Section section, String name, Store store, int calls) throws Exception {
    Ledger ledger = new Ledger(store);
    String run = Long.toString(System.nanoTime(), 36);
    List<String> callers = new ArrayList<>();
    List<String> owners = new ArrayList<>();
    for (int i = 0; i < SUBMITTERS; i++) {
      callers.add("caller-" + run + "-" + i);
      ledger.openAccount(callers.get(i)).join();
      ledger.mint("grant-" + run + "-" + i, callers.get(i), 1_000_000_000L).join();
    }
    for (int i = 0; i < OWNERS; i++) {
      owners.add("owner-" + run + "-" + i);
      ledger.openAccount(owners.get(i)).join();
    }
    String operator = "operator-" + run;
    ledger.openAccount(operator).join();
    ExecutorService pool = Executors.newFixedThreadPool(SUBMITTERS);
    try {
      rows(section, name, ledger, pool, callers, owners, operator, run + "w", Math.max(200, calls / 10), 1, Charging.TWO_STEPS, false);
      rows(section, name, ledger, pool, callers, owners, operator, run + "a", calls, 1, Charging.TWO_STEPS, true);
      rows(section, name, ledger, pool, callers, owners, operator, run + "b", calls, 16, Charging.TWO_STEPS, true);
      rows(section, name, ledger, pool, callers, owners, operator, run + "c", calls, 16, Charging.CHARGE_CALL, true);
      rows(section, name, ledger, pool, callers, owners, operator, run + "d", calls, 16, Charging.TALLY_CALL, true);
    } finally {
      pool.shutdownNow();
    }
  }

  private void rows(Section section, String name, Ledger ledger, ExecutorService pool, List<String> callers, List<String> owners,
      String operator, String run, int calls, int inFlight, Charging charging, boolean report) throws Exception {
    long transfersBefore = report ? ledger.audit().transfers() : 0;
    AtomicLong next = new AtomicLong();
    Histogram latency = Sample.histogram();
    List<CompletableFuture<Void>> workers = new ArrayList<>();
    long t0 = System.nanoTime();
    for (int s = 0; s < SUBMITTERS; s++) {
      String caller = callers.get(s);
      workers.add(CompletableFuture.runAsync(() -> {
        List<CompletableFuture<?>> window = new ArrayList<>();
        for (long i; (i = next.getAndIncrement()) < calls; ) {
          String call = run + "-" + i;
          String owner = owners.get((int) (i % owners.size()));
          long start = System.nanoTime();
          long charge = 1 + (start % 1_000);
          CompletableFuture<?> settled = switch (charging) {
            case TWO_STEPS -> ledger.reserveCall(call, caller, 1_000, run).thenCompose(r -> ledger.settleCall(call, owner, charge, operator, 500));
            case CHARGE_CALL -> ledger.chargeCall(call, caller, 1_000, run, owner, charge, operator, 500);
            case TALLY_CALL -> ledger.tallyCall(caller, 1_000, run, owner, charge, operator, 500);
          };
          window.add(settled.thenRun(() -> {
                synchronized (latency) {
                  latency.recordValue(System.nanoTime() - start);
                }
              }));
          if (window.size() >= inFlight) {
            window.remove(0).join();
          }
        }
        window.forEach(CompletableFuture::join);
      }, pool));
    }
    CompletableFuture.allOf(workers.toArray(CompletableFuture[]::new)).get(600, TimeUnit.SECONDS);
    double seconds = (System.nanoTime() - t0) / 1e9;
    if (!report) {
      return;
    }
    Ledger.Audit audit = ledger.audit();
    if (!audit.consistent()) {
      section.fail(name + ": the audit found " + audit.problems());
    }
    section.row(name, SUBMITTERS + " × " + inFlight + charging.label, calls / seconds,
        (audit.transfers() - transfersBefore) / seconds, latency.getValueAtPercentile(50) / 1e6,
        latency.getValueAtPercentile(99) / 1e6, audit.consistent() ? "conserved" : "FAILED");
  }
}
