package io.easyremote.store.internal;

import io.easyremote.store.Account;
import io.easyremote.store.CallCharge;
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
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * The ledger's operations. Requests queue here and are run in batches, TigerBeetle's way: one
 * {@link Store#write} takes every request queued when the store's writer reaches it, reads the
 * transfers and accounts they all need in one statement each (on PostgreSQL locking the accounts,
 * in name order, so gateways sharing one database never overdraw an account or settle a
 * reservation twice), runs them one after another in memory, and writes the result with one JDBC
 * batch per table, in the group commit's transaction. Each request checks everything before it
 * changes anything and a refused one is undone in memory, so a refusal does not disturb the others
 * of its batch; a database failure fails the batch (the group commit retries it alone once).
 * Thread-safe.
 */
public final class LedgerEngine {
  private static final String ACCOUNT_COLUMNS = "id, flags, debits_pending, debits_posted, credits_pending, credits_posted";
  private static final String TRANSFER_COLUMNS = LedgerTx.TRANSFER_COLUMNS;
  private static final int MAX_BATCH = 512;
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

  /** Whether the store holds calls charged before migration V5 with transfers of their own ({@link #chargedBeforeV5}). */
  private final boolean directChargesBeforeV5;

  /** @param lockRows whether to lock account rows ({@code SELECT ... FOR UPDATE}; PostgreSQL) */
  public LedgerEngine(Store store, Clock clock, boolean lockRows) {
    this.store = store;
    this.clock = clock;
    this.lockRows = lockRows;
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

  /**
   * A call charged in one request ({@link #chargeDirectly}): its settlement, or its charge, whose
   * settlement names the batched transfers that carry it, complete once the batch is written.
   */
  private record ChargedCall(CallCharge charge, long reserved, Ledger.Settlement ready) {
    Ledger.Settlement settlement(LedgerTx tx) throws SQLException {
      if (ready != null) {
        return ready;
      }
      List<Transfer> transfers = new ArrayList<>(2);
      for (String id : new String[] {charge.shareTransfer(), charge.feeTransfer()}) {
        Transfer t = tx.written(id);
        if (t != null) {
          transfers.add(t);
        }
      }
      return new Ledger.Settlement(charge.callId(), charge.caller(), charge.nodeOwner(), charge.operator(), reserved, charge.charge(),
          charge.fee(), transfers);
    }
  }

  // ---------------------------------------------------------------- accounts

  /** Creates a constrained account unless it exists; returns it either way. */
  public static Outcome<Account> openAccount(Connection c, String id, long now) throws SQLException {
    try (PreparedStatement s = c.prepareStatement("INSERT INTO easyremote_accounts (id, flags, created_at) VALUES (?, ?, ?) "
        + "ON CONFLICT (id) DO NOTHING")) {
      s.setString(1, id);
      s.setInt(2, LedgerTx.CONSTRAINED);
      s.setLong(3, now);
      s.executeUpdate();
    }
    return Outcome.ok(account(c, id));
  }

  /** The account, or null. */
  public static Account account(Connection c, String id) throws SQLException {
    try (PreparedStatement s = c.prepareStatement("SELECT " + ACCOUNT_COLUMNS + " FROM easyremote_accounts WHERE id = ?")) {
      s.setString(1, id);
      try (ResultSet r = s.executeQuery()) {
        return r.next() ? new LedgerTx.AccountRow(r).account() : null;
      }
    }
  }

  /** Every account, by name. */
  public static List<Account> accounts(Connection c) throws SQLException {
    List<Account> all = new ArrayList<>();
    try (PreparedStatement s = c.prepareStatement("SELECT " + ACCOUNT_COLUMNS + " FROM easyremote_accounts ORDER BY id");
        ResultSet r = s.executeQuery()) {
      while (r.next()) {
        all.add(new LedgerTx.AccountRow(r).account());
      }
    }
    return all;
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
        return create(tx, new Transfer(t.id(), t.kind(), t.debitAccount(), t.creditAccount(), t.amount(), null, t.code(), t.tag(), now));
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
        return settle(tx, id, pendingId, post, amount, now);
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
        ids.addAll(List.of(pendingId, Ledger.settlementId(pendingId), shareId(pendingId), feeId(pendingId)));
        accounts.addAll(List.of(Ledger.CLEARING, nodeOwner, operator));
        calls.add(callId);
      }

      @Override
      Outcome<Ledger.Settlement> run(LedgerTx tx, long now) throws SQLException {
        return settleCall(tx, callId, nodeOwner, charge, operator, feeBasisPoints, now);
      }
    });
  }

  /**
   * Queues a call's charge as one request; see {@link Ledger#chargeCall}. {@code reservation} is the
   * reservation the call would have had: a call reserved earlier under its id is settled, otherwise
   * the charge is posted straight from the caller ({@link #chargeDirectly}).
   */
  public CompletableFuture<Ledger.Settlement> chargeCall(Transfer reservation, String callId, String nodeOwner, long charge, String operator,
      int feeBasisPoints) {
    return submit(new Request<Ledger.Settlement>() {
      @Override
      void want(List<String> ids, List<String> pendingIds, List<String> accounts, List<String> calls) {
        String pendingId = reservation.id();
        ids.add(pendingId);
        if (directChargesBeforeV5) {
          ids.add(shareId(pendingId));
          ids.add(feeId(pendingId));
        }
        accounts.addAll(List.of(reservation.debitAccount(), nodeOwner, operator));
        calls.add(callId);
      }

      ChargedCall charged;

      @Override
      Outcome<Ledger.Settlement> run(LedgerTx tx, long now) throws SQLException {
        charged = null;
        Transfer earlier = tx.find(reservation.id());
        if (earlier != null) { // reserved before (a long call): settle that reservation, as settleCall does
          if (!earlier.sameAs(reservation)) {
            return reused(earlier);
          }
          return settleCall(tx, callId, nodeOwner, charge, operator, feeBasisPoints, now);
        }
        Outcome<ChargedCall> direct = chargeDirectly(tx, reservation, callId, nodeOwner, charge, operator, feeBasisPoints, now);
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

  /** The id of the node owner's share of a call's charge, {@code pendingId} being the call's reservation id. */
  static String shareId(String pendingId) {
    return pendingId + ":share";
  }

  /** The id of the operator's fee on a call's charge. */
  static String feeId(String pendingId) {
    return pendingId + ":fee";
  }

  /**
   * Charges a call whose reservation was held in the gateway's memory only: one row itemizes it,
   * and its share and fee join the batch's transfers from the caller to the node owner and to the
   * operator ({@link LedgerTx#charge}). The row is the call's at-most-once guard: a repeat finds it
   * and returns the first charge, or is refused when it charges otherwise; a call charged before
   * migration V5 has transfers of its own instead ({@link #shareId}, {@link #feeId}), found the
   * same way (looked for only in a store that holds such calls: migration V6's fact). The caller
   * must still be able to cover {@code reservation}'s amount, as if it had been reserved. A charge
   * of 0 writes nothing.
   */
  private Outcome<ChargedCall> chargeDirectly(LedgerTx tx, Transfer reservation, String callId, String nodeOwner,
      long charge, String operator, int feeBasisPoints, long now) throws SQLException {
    String caller = reservation.debitAccount();
    long fee = Ledger.fee(charge, feeBasisPoints);
    long share = charge - fee;
    CallCharge earlier = tx.findCall(callId);
    if (earlier != null) {
      if (!earlier.sameAs(new CallCharge(callId, caller, nodeOwner, operator, charge, fee, null, null, now))) {
        return Outcome.refused(LedgerError.ALREADY_POSTED, "call '" + callId + "' was already charged, with another caller, node "
            + "owner, operator, charge or fee (" + earlier + ")");
      }
      return Outcome.ok(new ChargedCall(earlier, reservation.amount(), null));
    }
    if (directChargesBeforeV5) {
      Outcome<ChargedCall> before = chargedBeforeV5(tx, reservation, callId, nodeOwner, charge, operator, fee, now);
      if (before != null) {
        return before;
      }
    }
    if (charge > reservation.amount()) {
      return Outcome.refused(LedgerError.EXCEEDS_PENDING, "call '" + callId + "' may cost at most " + reservation.amount()
          + "; the charge is " + charge);
    }
    Map<String, LedgerTx.AccountRow> rows = tx.lock(caller, nodeOwner, operator);
    for (String account : List.of(caller, nodeOwner, operator)) {
      if (!rows.containsKey(account)) {
        return Outcome.refused(LedgerError.UNKNOWN_ACCOUNT, "no account '" + account + "'");
      }
    }
    LedgerTx.AccountRow debit = rows.get(caller);
    long available = debit.available();
    if (debit.constrained && reservation.amount() > available) {
      return Outcome.refused(LedgerError.INSUFFICIENT_CREDITS, "account '" + caller + "' has " + available
          + " available; call '" + callId + "' may cost " + reservation.amount());
    }
    if (charge == 0) {
      return Outcome.ok(new ChargedCall(null, reservation.amount(),
          new Ledger.Settlement(callId, caller, nodeOwner, operator, reservation.amount(), 0, 0, List.of())));
    }
    try {
      debit.debitsPosted = Math.addExact(debit.debitsPosted, charge);
      rows.get(nodeOwner).creditsPosted = Math.addExact(rows.get(nodeOwner).creditsPosted, share);
      rows.get(operator).creditsPosted = Math.addExact(rows.get(operator).creditsPosted, fee);
    } catch (ArithmeticException e) {
      return Outcome.refused(LedgerError.OVERFLOW, "call '" + callId + "''s charge of " + charge + " would overflow an account's totals");
    }
    return Outcome.ok(new ChargedCall(tx.charge(callId, caller, nodeOwner, operator, charge, fee, reservation.tag(), now),
        reservation.amount(), null));
  }

  /** The charge of a call that {@link #chargeDirectly} wrote before migration V5, as transfers of its own; null if none. */
  private static Outcome<ChargedCall> chargedBeforeV5(LedgerTx tx, Transfer reservation, String callId, String nodeOwner, long charge,
      String operator, long fee, long now) throws SQLException {
    String pendingId = reservation.id();
    String caller = reservation.debitAccount();
    Transfer storedShare = tx.find(shareId(pendingId));
    Transfer storedFee = tx.find(feeId(pendingId));
    if (storedShare == null && storedFee == null) {
      return null;
    }
    List<Transfer> wanted = new ArrayList<>(2);
    if (charge - fee > 0) {
      wanted.add(new Transfer(shareId(pendingId), Transfer.Kind.TRANSFER, caller, nodeOwner, charge - fee, null, "share",
          reservation.tag(), now));
    }
    if (fee > 0) {
      wanted.add(new Transfer(feeId(pendingId), Transfer.Kind.TRANSFER, caller, operator, fee, null, "fee", reservation.tag(), now));
    }
    List<Transfer> stored = new ArrayList<>(2);
    if (storedShare != null) {
      stored.add(storedShare);
    }
    if (storedFee != null) {
      stored.add(storedFee);
    }
    boolean same = stored.size() == wanted.size();
    for (int i = 0; same && i < stored.size(); i++) {
      same = stored.get(i).sameAs(wanted.get(i));
    }
    if (!same) {
      return Outcome.refused(LedgerError.ALREADY_POSTED, "call '" + callId + "' was already charged, with another caller, node "
          + "owner, operator, charge or fee (" + stored + ")");
    }
    return Outcome.ok(new ChargedCall(null, reservation.amount(),
        new Ledger.Settlement(callId, caller, nodeOwner, operator, reservation.amount(), charge, fee, stored)));
  }

  private static Outcome<Transfer> create(LedgerTx tx, Transfer t) throws SQLException {
    Map<String, LedgerTx.AccountRow> rows = tx.lock(t.debitAccount(), t.creditAccount());
    Transfer existing = tx.find(t.id());
    if (existing != null) {
      return existing.sameAs(t) ? Outcome.ok(existing) : reused(existing);
    }
    LedgerTx.AccountRow debit = rows.get(t.debitAccount());
    LedgerTx.AccountRow credit = rows.get(t.creditAccount());
    if (debit == null || credit == null) {
      return Outcome.refused(LedgerError.UNKNOWN_ACCOUNT, "no account '" + (debit == null ? t.debitAccount() : t.creditAccount()) + "'");
    }
    long available = debit.available();
    if (debit.constrained && t.amount() > available) {
      return Outcome.refused(LedgerError.INSUFFICIENT_CREDITS, "account '" + debit.id + "' has " + available
          + " available; transfer '" + t.id() + "' needs " + t.amount());
    }
    try {
      if (t.kind() == Transfer.Kind.PENDING) {
        debit.debitsPending = Math.addExact(debit.debitsPending, t.amount());
        credit.creditsPending = Math.addExact(credit.creditsPending, t.amount());
      } else {
        debit.debitsPosted = Math.addExact(debit.debitsPosted, t.amount());
        credit.creditsPosted = Math.addExact(credit.creditsPosted, t.amount());
      }
    } catch (ArithmeticException e) {
      return overflow(t);
    }
    tx.insert(List.of(t));
    return Outcome.ok(t);
  }

  private static Outcome<Transfer> settle(LedgerTx tx, String id, String pendingId, boolean post, long amount, long now)
      throws SQLException {
    Transfer pending = tx.find(pendingId);
    if (pending == null || pending.kind() != Transfer.Kind.PENDING) {
      return Outcome.refused(LedgerError.UNKNOWN_PENDING, pending == null ? "no transfer '" + pendingId + "'"
          : "transfer '" + pendingId + "' is a " + pending.kind() + ", not a PENDING one");
    }
    Map<String, LedgerTx.AccountRow> rows = tx.lock(pending.debitAccount(), pending.creditAccount());
    Transfer wanted = settlement(id, pending, post, post ? amount : pending.amount(), now);
    Transfer existing = tx.find(id);
    if (existing != null) {
      if (existing.sameAs(wanted)) {
        return Outcome.ok(existing);
      }
      return pendingId.equals(existing.pendingId()) ? alreadySettled(existing) : reused(existing);
    }
    Transfer earlier = tx.settlementOf(pendingId);
    if (earlier != null) {
      return alreadySettled(earlier);
    }
    if (post && amount > pending.amount()) {
      return Outcome.refused(LedgerError.EXCEEDS_PENDING, "transfer '" + pendingId + "' reserved " + pending.amount()
          + "; post '" + id + "' asks for " + amount);
    }
    LedgerTx.AccountRow debit = rows.get(pending.debitAccount());
    LedgerTx.AccountRow credit = rows.get(pending.creditAccount());
    debit.debitsPending -= pending.amount();
    credit.creditsPending -= pending.amount();
    if (post) {
      try {
        debit.debitsPosted = Math.addExact(debit.debitsPosted, amount);
        credit.creditsPosted = Math.addExact(credit.creditsPosted, amount);
      } catch (ArithmeticException e) {
        return overflow(wanted); // the batch undoes the pending part
      }
    }
    tx.insert(List.of(wanted));
    return Outcome.ok(wanted);
  }

  private static Outcome<Ledger.Settlement> settleCall(LedgerTx tx, String callId, String nodeOwner, long charge, String operator,
      int feeBasisPoints, long now) throws SQLException {
    String pendingId = Ledger.callReservationId(callId);
    Transfer pending = tx.find(pendingId);
    if (pending == null || pending.kind() != Transfer.Kind.PENDING || !Ledger.CLEARING.equals(pending.creditAccount())) {
      return Outcome.refused(LedgerError.UNKNOWN_PENDING, "call '" + callId + "' has no reservation");
    }
    long fee = Ledger.fee(charge, feeBasisPoints);
    long share = charge - fee;
    Map<String, LedgerTx.AccountRow> rows = tx.lock(pending.debitAccount(), Ledger.CLEARING, nodeOwner, operator);
    for (String account : List.of(nodeOwner, operator)) {
      if (!rows.containsKey(account)) {
        return Outcome.refused(LedgerError.UNKNOWN_ACCOUNT, "no account '" + account + "'");
      }
    }
    List<Transfer> wanted = new ArrayList<>();
    String settleId = Ledger.settlementId(pendingId);
    wanted.add(settlement(settleId, pending, charge > 0, charge > 0 ? charge : pending.amount(), now));
    if (share > 0) {
      wanted.add(new Transfer(shareId(pendingId), Transfer.Kind.TRANSFER, Ledger.CLEARING, nodeOwner, share, null, "share", null, now));
    }
    if (fee > 0) {
      wanted.add(new Transfer(feeId(pendingId), Transfer.Kind.TRANSFER, Ledger.CLEARING, operator, fee, null, "fee", null, now));
    }
    Transfer existing = tx.find(settleId);
    if (existing != null) {
      if (!existing.sameAs(wanted.get(0))) {
        return alreadySettled(existing);
      }
      List<Transfer> found = new ArrayList<>(List.of(existing));
      for (Transfer t : wanted.subList(1, wanted.size())) {
        Transfer stored = tx.find(t.id());
        if (stored == null || !stored.sameAs(t)) {
          return Outcome.refused(LedgerError.ALREADY_POSTED, "call '" + callId + "' was settled with another node owner, "
              + "operator or fee (" + (stored == null ? "no " + t.code() : stored) + ")");
        }
        found.add(stored);
      }
      return Outcome.ok(new Ledger.Settlement(callId, pending.debitAccount(), nodeOwner, operator, pending.amount(), charge, fee, found));
    }
    CallCharge charged = tx.findCall(callId);
    if (charged != null) {
      return Outcome.refused(LedgerError.ALREADY_POSTED, "call '" + callId + "' was already charged without its reservation (" + charged + ")");
    }
    for (String payout : List.of(shareId(pendingId), feeId(pendingId))) { // as chargeCall wrote it before migration V5
      Transfer taken = tx.find(payout);
      if (taken != null) {
        return Outcome.refused(LedgerError.ALREADY_POSTED, "call '" + callId + "' was already charged without its reservation (" + taken + ")");
      }
    }
    if (charge > pending.amount()) {
      return Outcome.refused(LedgerError.EXCEEDS_PENDING, "call '" + callId + "' reserved " + pending.amount() + "; the charge is " + charge);
    }
    LedgerTx.AccountRow caller = rows.get(pending.debitAccount());
    LedgerTx.AccountRow clearing = rows.get(Ledger.CLEARING);
    caller.debitsPending -= pending.amount();
    clearing.creditsPending -= pending.amount();
    try {
      caller.debitsPosted = Math.addExact(caller.debitsPosted, charge);
      clearing.creditsPosted = Math.addExact(clearing.creditsPosted, charge);
      clearing.debitsPosted = Math.addExact(clearing.debitsPosted, charge);
      rows.get(nodeOwner).creditsPosted = Math.addExact(rows.get(nodeOwner).creditsPosted, share);
      rows.get(operator).creditsPosted = Math.addExact(rows.get(operator).creditsPosted, fee);
    } catch (ArithmeticException e) {
      return overflow(wanted.get(0)); // the batch undoes what was changed
    }
    tx.insert(wanted);
    return Outcome.ok(new Ledger.Settlement(callId, pending.debitAccount(), nodeOwner, operator, pending.amount(), charge, fee, wanted));
  }

  /**
   * Voids up to {@code limit} reservations older than {@code before} (and tagged {@code tag},
   * unless null), oldest first, in one transaction; each void's id is {@link Ledger#settlementId}.
   * Returns the voids.
   */
  public List<Transfer> voidDangling(Connection c, String tag, long before, int limit) throws SQLException {
    List<String> ids = new ArrayList<>();
    try (PreparedStatement s = c.prepareStatement("SELECT id FROM easyremote_open_pendings WHERE created_at < ?"
        + (tag == null ? "" : " AND tag = ?") + " ORDER BY created_at, id LIMIT ?")) {
      s.setLong(1, before);
      int i = 2;
      if (tag != null) {
        s.setString(i++, tag);
      }
      s.setInt(i, limit);
      try (ResultSet r = s.executeQuery()) {
        while (r.next()) {
          ids.add(r.getString(1));
        }
      }
    }
    LedgerTx tx = new LedgerTx(c, lockRows, padLists);
    List<String> wanted = new ArrayList<>(ids);
    ids.forEach(id -> wanted.add(Ledger.settlementId(id)));
    tx.prefetch(wanted, ids);
    long now = clock.millis();
    List<Transfer> voids = new ArrayList<>();
    for (String id : ids) {
      tx.begin();
      Outcome<Transfer> voided = settle(tx, Ledger.settlementId(id), id, false, 0, now);
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

  /** Reservations not yet posted or voided, older than {@code before}, oldest first. */
  public List<Transfer> openPendings(Connection c, String tag, long before, int limit) throws SQLException {
    List<Transfer> open = new ArrayList<>();
    try (PreparedStatement s = c.prepareStatement("SELECT " + prefixed("t.") + " FROM easyremote_open_pendings o "
        + "JOIN easyremote_transfers t ON t.id = o.id WHERE o.created_at < ?" + (tag == null ? "" : " AND o.tag = ?")
        + " ORDER BY o.created_at, o.id LIMIT ?")) {
      s.setLong(1, before);
      int i = 2;
      if (tag != null) {
        s.setString(i++, tag);
      }
      s.setInt(i, limit);
      try (ResultSet r = s.executeQuery()) {
        while (r.next()) {
          open.add(transfer(r));
        }
      }
    }
    return open;
  }

  /** The transfer, or null. */
  public Transfer find(Connection c, String id) throws SQLException {
    try (PreparedStatement s = c.prepareStatement("SELECT " + TRANSFER_COLUMNS + " FROM easyremote_transfers WHERE id = ?")) {
      s.setString(1, id);
      try (ResultSet r = s.executeQuery()) {
        return r.next() ? transfer(r) : null;
      }
    }
  }

  /** How call {@code callId} was charged in one request, or null. */
  public CallCharge findCall(Connection c, String callId) throws SQLException {
    try (PreparedStatement s = c.prepareStatement("SELECT " + LedgerTx.CALL_CHARGE_COLUMNS + " FROM easyremote_call_charges "
        + "WHERE call_id = ?")) {
      s.setString(1, callId);
      try (ResultSet r = s.executeQuery()) {
        return r.next() ? LedgerTx.callCharge(r) : null;
      }
    }
  }

  /** Every call charged in one request, in no particular order, for the audit. */
  public void forEachCallCharge(Connection c, SqlConsumer<CallCharge> each) throws SQLException {
    try (PreparedStatement s = c.prepareStatement("SELECT " + LedgerTx.CALL_CHARGE_COLUMNS + " FROM easyremote_call_charges")) {
      s.setFetchSize(1000);
      try (ResultSet r = s.executeQuery()) {
        while (r.next()) {
          each.accept(LedgerTx.callCharge(r));
        }
      }
    }
  }

  /**
   * The newest {@code limit} transfers that debit or credit {@code account}, newest first. Through
   * the per-account indexes, which leave out the clearing account (migration V3): its statement
   * scans the table.
   */
  public List<Transfer> recent(Connection c, String account, int limit) throws SQLException {
    List<Transfer> list = new ArrayList<>();
    String where = Ledger.CLEARING.equals(account) ? "debit_account = ? OR credit_account = ?"
        : "(debit_account = ? AND debit_account <> '" + Ledger.CLEARING + "') OR (credit_account = ? AND credit_account <> '"
            + Ledger.CLEARING + "')"; // the indexes' own conditions, so that both databases use them
    try (PreparedStatement s = c.prepareStatement("SELECT " + TRANSFER_COLUMNS + " FROM easyremote_transfers "
        + "WHERE " + where + " ORDER BY seq DESC LIMIT ?")) {
      s.setString(1, account);
      s.setString(2, account);
      s.setInt(3, limit);
      try (ResultSet r = s.executeQuery()) {
        while (r.next()) {
          list.add(transfer(r));
        }
      }
    }
    return list;
  }

  /** What the mint granted {@code account} in all. */
  public long granted(Connection c, String account) throws SQLException {
    try (PreparedStatement s = c.prepareStatement("SELECT COALESCE(SUM(amount), 0) FROM easyremote_transfers "
        + "WHERE credit_account = ? AND credit_account <> '" + Ledger.CLEARING + "' AND debit_account = ? AND kind = 'TRANSFER'")) {
      s.setString(1, account);
      s.setString(2, Ledger.MINT);
      try (ResultSet r = s.executeQuery()) {
        r.next();
        return r.getLong(1);
      }
    }
  }

  /** Every transfer in the order written, for the audit. */
  public void forEachTransfer(Connection c, SqlConsumer<Transfer> each) throws SQLException {
    try (PreparedStatement s = c.prepareStatement("SELECT " + TRANSFER_COLUMNS + " FROM easyremote_transfers ORDER BY seq")) {
      s.setFetchSize(1000);
      try (ResultSet r = s.executeQuery()) {
        while (r.next()) {
          each.accept(transfer(r));
        }
      }
    }
  }

  /** Every running tally ({@code easyremote_open_tallies}), for the audit. */
  public void forEachOpenTally(Connection c, OpenTallyConsumer each) throws SQLException {
    try (PreparedStatement s = c.prepareStatement("SELECT debit_account, credit_account, code, amount FROM easyremote_open_tallies");
        ResultSet r = s.executeQuery()) {
      while (r.next()) {
        each.accept(r.getString(1), r.getString(2), r.getString(3), r.getLong(4));
      }
    }
  }

  /** What {@link #forEachOpenTally} hands over: a running tally's accounts, code and sum. */
  @FunctionalInterface
  public interface OpenTallyConsumer {
    void accept(String debit, String credit, String code, long amount);
  }

  /** The ids of the reservations the recovery index holds open. */
  public List<String> openPendingIds(Connection c) throws SQLException {
    List<String> ids = new ArrayList<>();
    try (PreparedStatement s = c.prepareStatement("SELECT id FROM easyremote_open_pendings ORDER BY id"); ResultSet r = s.executeQuery()) {
      while (r.next()) {
        ids.add(r.getString(1));
      }
    }
    return ids;
  }

  /** A consumer that may throw {@link SQLException}. */
  @FunctionalInterface
  public interface SqlConsumer<T> {
    void accept(T value) throws SQLException;
  }

  // ---------------------------------------------------------------- helpers

  private static Transfer settlement(String id, Transfer pending, boolean post, long amount, long now) {
    return new Transfer(id, post ? Transfer.Kind.POST : Transfer.Kind.VOID, pending.debitAccount(), pending.creditAccount(), amount,
        pending.id(), pending.code(), pending.tag(), now);
  }

  private static <T> Outcome<T> reused(Transfer existing) {
    return Outcome.refused(LedgerError.ID_REUSED, "transfer '" + existing.id() + "' exists with other fields: " + existing);
  }

  private static <T> Outcome<T> alreadySettled(Transfer settlement) {
    boolean posted = settlement.kind() == Transfer.Kind.POST;
    return Outcome.refused(posted ? LedgerError.ALREADY_POSTED : LedgerError.ALREADY_VOIDED, "transfer '" + settlement.pendingId()
        + "' was already " + (posted ? "posted (" + settlement.amount() + ")" : "voided") + " by '" + settlement.id() + "'");
  }

  private static <T> Outcome<T> overflow(Transfer t) {
    return Outcome.refused(LedgerError.OVERFLOW, "transfer '" + t.id() + "' of " + t.amount() + " would overflow an account's totals");
  }

  private static String prefixed(String prefix) {
    return prefix + TRANSFER_COLUMNS.replace(", ", ", " + prefix);
  }

  static Transfer transfer(ResultSet r) throws SQLException {
    return new Transfer(r.getString(1), Transfer.Kind.valueOf(r.getString(2)), r.getString(3), r.getString(4), r.getLong(5),
        r.getString(6), r.getString(7), r.getString(8), r.getLong(9));
  }
}
