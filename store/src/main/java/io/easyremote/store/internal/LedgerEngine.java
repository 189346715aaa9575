package io.easyremote.store.internal;

import io.easyremote.store.Dialect;
import io.easyremote.store.Ledger;
import io.easyremote.store.LedgerError;
import io.easyremote.store.LedgerException;
import io.easyremote.store.SqlWork;
import io.easyremote.store.Store;
import io.easyremote.store.StoreException;
import io.easyremote.store.Transfer;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.LockSupport;

/**
 * The ledger's operations. Requests queue here and are run in batches, TigerBeetle's way: one
 * {@link Store#write} takes every request queued when the store's writer reaches it, reads the
 * transfers and accounts they all need in one statement each (on PostgreSQL locking the accounts,
 * in name order, so gateways sharing one database never overdraw an account or settle a
 * reservation twice), runs them one after another in memory, and writes the result with one JDBC
 * batch per table, in the group commit's transaction. Each request checks everything before it
 * changes anything and a refused one is undone in memory, so a refusal does not disturb the others
 * of its batch; a database failure fails the batch (the group commit retries it alone once).
 * What each request does is in {@link TransferRules}; the reads outside batches are in
 * {@link LedgerQueries}.
 *
 * <p>Under load the batches are paced: a batch that follows one of at least {@link #PACE_FROM}
 * requests and calls starts no sooner than the pace (2 ms by default) after that one started, so
 * that the calls arriving meanwhile share its commit. A commit costs the writer about the same CPU
 * whatever it carries (on SQLite with {@code synchronous=FULL}, mostly the fsync), so at
 * saturation fewer, larger commits leave more of the machine to the relay; under light load
 * (smaller batches) nothing waits. PostgreSQL's {@code commit_delay} and {@code commit_siblings}
 * do the same. Thread-safe.
 */
public final class LedgerEngine {
  private static final int MAX_BATCH = 512;
  /** The requests and calls a batch takes from which the next one is paced. */
  static final int PACE_FROM = 64;
  /** The default pace: the least time between the starts of a large batch and the next one. */
  public static final long DEFAULT_PACE_NANOS = TimeUnit.MILLISECONDS.toNanos(2);
  /** The start of the id of a transfer that carries the charges of a batch's calls ({@link Ledger#chargeCall}). */
  public static final String BATCHED_PREFIX = "charges:";
  /** The start of the id of a transfer that carries the charges of a batch's tallied calls ({@link Ledger#tallyCall}). */
  public static final String TALLIED_PREFIX = "tally:";
  /** The most tallied calls one batch takes: they cost the writer little each. */
  private static final int MAX_TALLIED = 4096;
  /** A running tally this old has no live gateway behind it (each closes its own within {@link Ledger#TALLY_OPEN_MILLIS}). */
  static final long TALLY_STALE_MILLIS = 60_000;

  private final Store store;
  private final Clock clock;
  private final boolean lockRows;
  private final boolean padLists;
  private final long paceNanos;
  /** When the last batch took its requests and how many it took (batches run on the store's writer thread only). */
  private long lastTakenNanos;
  private int lastTaken;
  /** Batches that waited for the pace, and how long in all (written by the writer thread). */
  private volatile long pacedBatches;
  private volatile long pacedNanos;
  private final ConcurrentLinkedQueue<Request<?>> queue = new ConcurrentLinkedQueue<>();
  private final ConcurrentLinkedQueue<Tallied> tallied = new ConcurrentLinkedQueue<>();
  private final AtomicBoolean scheduled = new AtomicBoolean();
  /** The tags of the calls this ledger tallied ({@code ""} for none): the running tallies it closes. */
  private final Set<String> tallyTags = ConcurrentHashMap.newKeySet();
  /**
   * When a batch next closes the running tallies: at once when the ledger opens (what a previous
   * run left), then {@link Ledger#TALLY_OPEN_MILLIS} after a batch opens one; {@code Long.MAX_VALUE}
   * while none runs. Read when a batch takes its requests, written once a batch has committed
   * (usually on the writer thread too); a batch that reads it a moment stale closes a little early
   * or late, nothing worse.
   */
  private volatile long tallyCloseAt = Long.MIN_VALUE;

  /** Whether the store holds calls charged before migration V5 with transfers of their own ({@link TransferRules#chargedBeforeV5}). */
  private final boolean directChargesBeforeV5;

  /**
   * @param lockRows whether to lock account rows ({@code SELECT ... FOR UPDATE}; PostgreSQL)
   * @param paceNanos the least time between the starts of a batch of at least {@link #PACE_FROM}
   *     requests and calls and the next batch; 0 for none
   */
  public LedgerEngine(Store store, Clock clock, boolean lockRows, long paceNanos) {
    if (paceNanos < 0) {
      throw new IllegalArgumentException("the pace must not be negative, not " + paceNanos + " ns");
    }
    this.store = store;
    this.clock = clock;
    this.lockRows = lockRows;
    this.paceNanos = paceNanos;
    this.padLists = store.dialect() == Dialect.SQLITE;
    this.directChargesBeforeV5 = store.read(c -> fact(c, "direct_charges_before_v5")) != 0;
  }

  /** A fact migration V6 (or a later one) recorded about the store's history; 0 when absent. */
  private static long fact(Connection c, String name) throws SQLException {
    try (PreparedStatement s = c.prepareStatement("SELECT value FROM easyremote_ledger_facts WHERE name = ?")) {
      s.setString(1, name);
      try (ResultSet r = s.executeQuery()) {
        return r.next() ? r.getLong(1) : 0;
      }
    }
  }

  /** One request of a batch: what it reads, and what it does with it. */
  private abstract static class Request<T> {
    final CompletableFuture<T> done = new CompletableFuture<>();

    /** Adds the transfer ids, the pending ids whose settlement it checks, the accounts and the call charges it needs. */
    abstract void want(List<String> ids, List<String> pendingIds, List<String> accounts, List<String> calls);

    abstract Outcome<T> run(LedgerTx tx, long now) throws SQLException;

    /** The outcome once the batch is written, for a value that names what only the whole batch decides (a batched transfer). */
    Outcome<?> written(Outcome<?> outcome, LedgerTx tx) throws SQLException {
      return outcome;
    }

    @SuppressWarnings("unchecked")
    void finish(Outcome<?> outcome) {
      if (outcome.error() != null) {
        done.completeExceptionally(new LedgerException(outcome.error(), outcome.message()));
      } else {
        done.complete((T) outcome.value());
      }
    }
  }

  private <T> CompletableFuture<T> submit(Request<T> request) {
    queue.add(request);
    schedule();
    return request.done;
  }

  private void schedule() {
    if (!scheduled.compareAndSet(false, true)) {
      return;
    }
    Batch batch = new Batch();
    store.write(batch).whenComplete((outcomes, failure) -> {
      List<Request<?>> requests = batch.requests;
      List<Tallied> tallies = batch.tallies;
      if (requests == null) { // never ran (the store is closed): fail what waits
        scheduled.set(false);
        requests = new ArrayList<>();
        for (Request<?> r; (r = queue.poll()) != null; ) {
          requests.add(r);
        }
        tallies = new ArrayList<>();
        for (Tallied t; (t = tallied.poll()) != null; ) {
          tallies.add(t);
        }
      }
      Throwable cause = failure instanceof java.util.concurrent.CompletionException && failure.getCause() != null
          ? failure.getCause() : failure;
      Throwable failed = cause == null || cause instanceof StoreException ? cause
          : new StoreException("The ledger's batch failed: " + cause, cause);
      if (failed == null) {
        tallied(batch);
      }
      for (int i = 0; i < requests.size(); i++) {
        if (failed != null) {
          requests.get(i).done.completeExceptionally(failed);
        } else {
          requests.get(i).finish(outcomes.get(i));
        }
      }
      for (int i = 0; i < tallies.size(); i++) {
        Tallied t = tallies.get(i);
        LedgerException refusal = failed == null ? batch.refusals[i] : null;
        if (failed != null) {
          t.done().completeExceptionally(failed);
        } else if (refusal != null) {
          t.done().completeExceptionally(refusal);
        } else {
          t.done().complete(null);
        }
      }
    });
  }

  /**
   * After a committed batch: the running tallies are closed if it closed them; if it opened one
   * while none ran, the batch that closes it comes {@link Ledger#TALLY_OPEN_MILLIS} later, the next one
   * to run then (a timer queues one in case no call does).
   */
  private void tallied(Batch batch) {
    if (batch.closing) {
      tallyCloseAt = Long.MAX_VALUE;
    }
    if (batch.leftRunning && tallyCloseAt == Long.MAX_VALUE) {
      tallyCloseAt = clock.millis() + Ledger.TALLY_OPEN_MILLIS;
      CompletableFuture.delayedExecutor(Ledger.TALLY_OPEN_MILLIS, TimeUnit.MILLISECONDS)
          .execute(() -> submit(new CloseTallies(false)));
    }
  }

  /**
   * A request that changes nothing: it makes a batch run, which closes the running tallies when
   * they are due or, if {@code now}, at once ({@link #closeTallies}).
   */
  private static final class CloseTallies extends Request<Void> {
    final boolean now;

    CloseTallies(boolean now) {
      this.now = now;
    }

    @Override
    void want(List<String> ids, List<String> pendingIds, List<String> accounts, List<String> calls) {}

    @Override
    Outcome<Void> run(LedgerTx tx, long now) {
      return Outcome.ok(null);
    }
  }

  /** Writes the running tallies as transfers now; see {@link Ledger#closeTallies}. */
  public CompletableFuture<Void> closeTallies() {
    return submit(new CloseTallies(true));
  }

  /** The requests queued when the writer reaches it, run as one batch (the same ones again if the group commit retries it). */
  private final class Batch implements SqlWork<List<Outcome<?>>> {
    volatile List<Request<?>> requests;
    volatile List<Tallied> tallies;
    /** Why each tallied call was refused (null: charged), set by the last run. */
    volatile LedgerException[] refusals;
    /** Whether it closes the running tallies, decided when it takes its requests. */
    volatile boolean closing;
    /** Whether its last run added to running tallies (it did not close them). */
    volatile boolean leftRunning;

    @Override
    public List<Outcome<?>> run(Connection c) throws SQLException {
      if (requests == null) {
        pace();
        scheduled.set(false);
        List<Request<?>> taken = new ArrayList<>();
        for (Request<?> r; taken.size() < MAX_BATCH && (r = queue.poll()) != null; ) {
          taken.add(r);
        }
        List<Tallied> talliedTaken = new ArrayList<>();
        for (Tallied t; talliedTaken.size() < MAX_TALLIED && (t = tallied.poll()) != null; ) {
          talliedTaken.add(t);
        }
        tallies = talliedTaken;
        requests = taken;
        lastTakenNanos = System.nanoTime();
        lastTaken = taken.size() + talliedTaken.size();
        boolean asked = false;
        for (Request<?> r : taken) {
          asked |= r instanceof CloseTallies close && close.now;
        }
        closing = asked || clock.millis() >= tallyCloseAt;
        if (!queue.isEmpty() || !tallied.isEmpty()) {
          schedule();
        }
      }
      LedgerTx tx = new LedgerTx(c, lockRows, padLists);
      List<String> ids = new ArrayList<>();
      List<String> pendingIds = new ArrayList<>();
      List<String> accounts = new ArrayList<>();
      List<String> calls = new ArrayList<>();
      for (Request<?> r : requests) {
        r.want(ids, pendingIds, accounts, calls);
      }
      for (Tallied t : tallies) {
        accounts.add(t.caller());
        accounts.add(t.nodeOwner());
        accounts.add(t.operator());
      }
      tx.prefetch(ids, pendingIds);
      tx.prefetchCalls(calls);
      for (String id : ids) {
        Transfer t = tx.find(id);
        if (t != null && t.kind() == Transfer.Kind.PENDING) {
          accounts.add(t.debitAccount());
          accounts.add(t.creditAccount());
        }
      }
      tx.lockAll(accounts);
      long now = clock.millis();
      List<Outcome<?>> outcomes = new ArrayList<>(requests.size());
      for (Request<?> r : requests) {
        tx.begin();
        Outcome<?> outcome = r.run(tx, now);
        if (outcome.error() != null) {
          tx.undo();
        }
        outcomes.add(outcome);
      }
      LedgerException[] refused = new LedgerException[tallies.size()];
      for (int i = 0; i < refused.length; i++) {
        refused[i] = tallies.get(i).run(tx, now);
      }
      refusals = refused;
      leftRunning = tx.flush(closing ? new LedgerTx.TallyClose(List.copyOf(tallyTags), now - TALLY_STALE_MILLIS, now) : null);
      for (int i = 0; i < outcomes.size(); i++) {
        outcomes.set(i, requests.get(i).written(outcomes.get(i), tx));
      }
      return outcomes;
    }
  }

  /**
   * On the writer thread, before a batch takes its requests: waits until the pace has passed since
   * the previous batch started, if that one was large. Parked here, the batch stays in the store's
   * queue, so a store that closes meanwhile still writes it.
   */
  private void pace() {
    if (paceNanos == 0 || lastTaken < PACE_FROM) {
      return;
    }
    long start = System.nanoTime();
    long until = lastTakenNanos + paceNanos;
    if (until - start <= 0) {
      return;
    }
    for (long left = until - start; left > 0 && !Thread.currentThread().isInterrupted(); left = until - System.nanoTime()) {
      LockSupport.parkNanos(left);
    }
    pacedBatches++;
    pacedNanos += System.nanoTime() - start;
  }

  /** The batches that waited for the pace, and the nanoseconds they waited in all. */
  public Ledger.Pacing pacing() {
    return new Ledger.Pacing(pacedBatches, pacedNanos);
  }

  /** Queues a tallied call's charge; see {@link Ledger#tallyCall}. */
  public CompletableFuture<Void> tallyCall(String caller, long maxCharge, String tag, String nodeOwner, long charge, String operator,
      int feeBasisPoints) {
    Tallied t = new Tallied(caller, maxCharge, tag, nodeOwner, charge, operator, Ledger.fee(charge, feeBasisPoints),
        new CompletableFuture<>());
    String tallyTag = LedgerTx.tallyTag(tag);
    if (!tallyTags.contains(tallyTag)) { // a read: add() locks a bin of the set on every call (a profile showed it)
      tallyTags.add(tallyTag);
    }
    tallied.add(t);
    schedule();
    return t.done();
  }

  /**
   * A call charged without a row of its own ({@link Ledger#tallyCall}): its share and fee join the
   * batch's tallied transfers. It checks everything before it changes anything, so it is never
   * undone, and it runs after the batch's requests, which may be.
   */
  private record Tallied(String caller, long maxCharge, String tag, String nodeOwner, long charge, String operator, long fee,
      CompletableFuture<Void> done) {
    /** Charges it in {@code tx}; returns why not (nothing changed), or null. */
    LedgerException run(LedgerTx tx, long now) {
      LedgerTx.AccountRow debit = tx.row(caller);
      LedgerTx.AccountRow owner = tx.row(nodeOwner);
      LedgerTx.AccountRow op = tx.row(operator);
      if (debit == null || owner == null || op == null) {
        return new LedgerException(LedgerError.UNKNOWN_ACCOUNT, "no account '" + (debit == null ? caller : owner == null ? nodeOwner
            : operator) + "'");
      }
      long available = debit.available();
      if (debit.constrained && maxCharge > available) {
        return new LedgerException(LedgerError.INSUFFICIENT_CREDITS, "account '" + caller + "' has " + available
            + " available; the call may cost " + maxCharge);
      }
      if (charge == 0) {
        return null;
      }
      long debitsBefore = debit.debitsPosted;
      long ownerBefore = owner.creditsPosted;
      long operatorBefore = op.creditsPosted;
      try { // one at a time: the owner and the operator may be one account
        debit.debitsPosted = Math.addExact(debit.debitsPosted, charge);
        owner.creditsPosted = Math.addExact(owner.creditsPosted, charge - fee);
        op.creditsPosted = Math.addExact(op.creditsPosted, fee);
      } catch (ArithmeticException e) {
        op.creditsPosted = operatorBefore; // in reverse, so that an account named twice gets its first value back
        owner.creditsPosted = ownerBefore;
        debit.debitsPosted = debitsBefore;
        return new LedgerException(LedgerError.OVERFLOW, "a charge of " + charge + " would overflow an account's totals");
      }
      tx.tally(caller, nodeOwner, operator, charge - fee, fee, tag, now);
      return null;
    }
  }

  // ---------------------------------------------------------------- transfers

  /** Queues a TRANSFER (posted at once) or a PENDING transfer (reserved), as {@code t} asks; its time is the batch's. */
  public CompletableFuture<Transfer> create(Transfer t) {
    return submit(new Request<Transfer>() {
      @Override
      void want(List<String> ids, List<String> pendingIds, List<String> accounts, List<String> calls) {
        ids.add(t.id());
        accounts.add(t.debitAccount());
        accounts.add(t.creditAccount());
      }

      @Override
      Outcome<Transfer> run(LedgerTx tx, long now) throws SQLException {
        return TransferRules.create(tx, new Transfer(t.id(), t.kind(), t.debitAccount(), t.creditAccount(), t.amount(), null, t.code(),
            t.tag(), now));
      }
    });
  }

  /** Queues the settlement of the PENDING transfer {@code pendingId}: a post of {@code amount}, or a void. */
  public CompletableFuture<Transfer> settle(String id, String pendingId, boolean post, long amount) {
    return submit(new Request<Transfer>() {
      @Override
      void want(List<String> ids, List<String> pendingIds, List<String> accounts, List<String> calls) {
        ids.add(id);
        ids.add(pendingId);
        pendingIds.add(pendingId);
      }

      @Override
      Outcome<Transfer> run(LedgerTx tx, long now) throws SQLException {
        return TransferRules.settle(tx, id, pendingId, post, amount, now);
      }
    });
  }

  /** Queues a call's settlement; see {@link Ledger#settleCall}. */
  public CompletableFuture<Ledger.Settlement> settleCall(String callId, String nodeOwner, long charge, String operator, int feeBasisPoints) {
    String pendingId = Ledger.callReservationId(callId);
    return submit(new Request<Ledger.Settlement>() {
      @Override
      void want(List<String> ids, List<String> pendingIds, List<String> accounts, List<String> calls) {
        // The reservation, its settlement, and the payouts' ids (taken if the call was charged directly, without one):
        // a call's reservation is settled under no other id (Ledger refuses call ids elsewhere).
        ids.addAll(List.of(pendingId, Ledger.settlementId(pendingId), TransferRules.shareId(pendingId), TransferRules.feeId(pendingId)));
        accounts.addAll(List.of(Ledger.CLEARING, nodeOwner, operator));
        calls.add(callId);
      }

      @Override
      Outcome<Ledger.Settlement> run(LedgerTx tx, long now) throws SQLException {
        return TransferRules.settleCall(tx, callId, nodeOwner, charge, operator, feeBasisPoints, now);
      }
    });
  }

  /**
   * Queues a call's charge as one request; see {@link Ledger#chargeCall}. {@code reservation} is the
   * reservation the call would have had: a call reserved earlier under its id is settled, otherwise
   * the charge is posted straight from the caller ({@link TransferRules#chargeDirectly}).
   */
  public CompletableFuture<Ledger.Settlement> chargeCall(Transfer reservation, String callId, String nodeOwner, long charge, String operator,
      int feeBasisPoints) {
    return submit(new Request<Ledger.Settlement>() {
      @Override
      void want(List<String> ids, List<String> pendingIds, List<String> accounts, List<String> calls) {
        String pendingId = reservation.id();
        ids.add(pendingId);
        if (directChargesBeforeV5) {
          ids.add(TransferRules.shareId(pendingId));
          ids.add(TransferRules.feeId(pendingId));
        }
        accounts.addAll(List.of(reservation.debitAccount(), nodeOwner, operator));
        calls.add(callId);
      }

      TransferRules.ChargedCall charged;

      @Override
      Outcome<Ledger.Settlement> run(LedgerTx tx, long now) throws SQLException {
        charged = null;
        Transfer earlier = tx.find(reservation.id());
        if (earlier != null) { // reserved before (a long call): settle that reservation, as settleCall does
          if (!earlier.sameAs(reservation)) {
            return TransferRules.reused(earlier);
          }
          return TransferRules.settleCall(tx, callId, nodeOwner, charge, operator, feeBasisPoints, now);
        }
        Outcome<TransferRules.ChargedCall> direct = TransferRules.chargeDirectly(tx, reservation, callId, nodeOwner, charge, operator,
            feeBasisPoints, now, directChargesBeforeV5);
        if (direct.error() != null) {
          return direct.cast();
        }
        charged = direct.value();
        return Outcome.ok(null); // the settlement once the batch is written
      }

      @Override
      Outcome<?> written(Outcome<?> outcome, LedgerTx tx) throws SQLException {
        return charged == null || outcome.error() != null ? outcome : Outcome.ok(charged.settlement(tx));
      }
    });
  }

  /**
   * Voids up to {@code limit} reservations older than {@code before} (and tagged {@code tag},
   * unless null), oldest first, in one transaction; each void's id is {@link Ledger#settlementId}.
   * Returns the voids.
   */
  public List<Transfer> voidDangling(Connection c, String tag, long before, int limit) throws SQLException {
    List<String> ids = LedgerQueries.openPendings(c, tag, before, limit).stream().map(Transfer::id).toList();
    LedgerTx tx = new LedgerTx(c, lockRows, padLists);
    List<String> wanted = new ArrayList<>(ids);
    ids.forEach(id -> wanted.add(Ledger.settlementId(id)));
    tx.prefetch(wanted, ids);
    long now = clock.millis();
    List<Transfer> voids = new ArrayList<>();
    for (String id : ids) {
      tx.begin();
      Outcome<Transfer> voided = TransferRules.settle(tx, Ledger.settlementId(id), id, false, 0, now);
      if (voided.error() == null) {
        voids.add(voided.value());
      } else { // its settlement id was taken by another transfer: leave it for an operator, never loop on it
        tx.undo();
        tx.forget(id);
      }
    }
    tx.flush(null);
    return voids;
  }
}
