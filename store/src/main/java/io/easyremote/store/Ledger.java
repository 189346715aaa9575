package io.easyremote.store;

import io.easyremote.store.internal.IdShape;
import io.easyremote.store.internal.LedgerAudit;
import io.easyremote.store.internal.LedgerEngine;
import io.easyremote.store.internal.LedgerQueries;
import io.easyremote.store.internal.Outcome;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;

/**
 * Credits as a double-entry, append-only ledger in the {@link Store}, with TigerBeetle's semantics:
 *
 * <ul>
 *   <li>Accounts keep four totals (debits/credits, pending/posted). Every account's debits must not
 *       exceed its credits, so its balance never goes negative, except the {@link #MINT}'s, which
 *       goes as negative as all it granted: the sum of all balances is always 0.
 *   <li>Every transfer has a unique id chosen by the caller. Repeating a request with the same id
 *       and the same fields returns the first transfer and changes nothing; the same id with other
 *       fields is refused ({@link LedgerError#ID_REUSED}).
 *   <li>Two-phase transfers: {@link #reserve} holds an amount (it counts against the available
 *       balance), then {@link #post} moves at most that amount and releases the rest, or
 *       {@link #voidPending} releases it all. A pending transfer is settled once.
 *   <li>Amounts are {@code long}s in the smallest unit, never floating point.
 * </ul>
 *
 * <p>Calls have their own methods, with ids derived from the call id so that a call is reserved
 * and charged at most once whatever retries happen: {@link #reserveCall} at dispatch (caller →
 * {@link #CLEARING}), {@link #settleCall} at completion (the charge posted, the node owner's share
 * and the operator's fee paid out of clearing, the rest released, in one transaction) or
 * {@link #voidCall}; after a restart {@link #voidDangling} releases what was left reserved. A short
 * call whose reservation was held only in memory is charged in one request: {@link #chargeCall}
 * itemizes it in a row that guards against a second charge, {@link #tallyCall} (the gateway's
 * choice) leaves that guard to the caller and only adds it to its batch's transfers.
 *
 * <pre>{@code
 * Ledger ledger = new Ledger(store);
 * ledger.openAccount("alice").join();
 * ledger.mint("grant-1", "alice", 1_000).join();
 * ledger.reserveCall("gw1-42", "alice", 300, "gw1").join();                 // INSUFFICIENT_CREDITS if she has less
 * ledger.settleCall("gw1-42", "bob", 120, "operator", 500).join();          // bob gets 114, operator 6, alice 180 back
 * }</pre>
 *
 * <p>Every write goes through {@link Store#write}, so concurrent operations share group commits
 * (paced under load: {@link #pacing()}); the futures complete once committed, or exceptionally
 * with a {@link LedgerException} (refused, nothing written) or a {@link StoreException} (the
 * database failed, nothing written). Reads run at once. Thread-safe.
 */
public final class Ledger {
  /** The system account grants come from: the only one whose balance goes negative. */
  public static final String MINT = "mint";
  /** The system account call reservations are held by; its posted balance is always 0. */
  public static final String CLEARING = "clearing";
  /** The most basis points a fee may be (100 %). */
  public static final int MAX_FEE_BASIS_POINTS = 10_000;
  /**
   * How long the charges of {@link #tallyCall} add up in a running tally (a small row per tag, pair
   * of accounts and code) before a batch writes them as one transfer: at most one {@code tally:}
   * transfer per second and pair of accounts, instead of one per group commit.
   */
  public static final long TALLY_OPEN_MILLIS = 1_000;

  private static final IdShape ACCOUNT_ID = new IdShape(IdShape.lettersDigitsAnd("._@-"), 1, 128);
  private static final IdShape CALL_ID = new IdShape(IdShape.lettersDigitsAnd("._-"), 1, 128);
  private static final IdShape TRANSFER_ID = new IdShape(ch -> ch >= 0x21 && ch <= 0x7e, 1, 160);
  private static final IdShape TAG = new IdShape(ch -> ch >= 0x20 && ch <= 0x7e, 0, 128);
  private static final String CALL_PREFIX = "call:";
  private static final String BATCH_PREFIX = LedgerEngine.BATCHED_PREFIX;
  private static final String TALLY_PREFIX = LedgerEngine.TALLIED_PREFIX;
  private static final int VOID_BATCH = 500;

  private final Store store;
  private final Clock clock;
  private final LedgerEngine engine;

  /** A ledger in {@code store}, stamping transfers with the system clock. */
  public Ledger(Store store) {
    this(store, Clock.systemUTC());
  }

  /** A ledger in {@code store}, stamping transfers with {@code clock}. */
  public Ledger(Store store, Clock clock) {
    this(store, clock, LedgerEngine.DEFAULT_PACE_NANOS);
  }

  /**
   * A ledger whose batches under load start at least {@code paceNanos} apart (see
   * {@link #pacing()}; tests pick a long pace to observe it).
   */
  Ledger(Store store, Clock clock, long paceNanos) {
    this.store = Objects.requireNonNull(store, "store");
    this.clock = Objects.requireNonNull(clock, "clock");
    this.engine = new LedgerEngine(store, clock, store.dialect() == Dialect.POSTGRESQL, paceNanos);
  }

  /** The store it writes to. */
  public Store store() {
    return store;
  }

  // ---------------------------------------------------------------- ids

  /** The id of a call's reservation: {@code call:<callId>}. */
  public static String callReservationId(String callId) {
    return CALL_PREFIX + callId;
  }

  /** The id {@link #settleCall}, {@link #voidCall} and {@link #voidDangling} give the POST or VOID of {@code pendingId}. */
  public static String settlementId(String pendingId) {
    return pendingId + ":settle";
  }

  /** The operator's fee on {@code charge}: {@code charge × basisPoints / 10,000}, rounded down, without overflow. */
  public static long fee(long charge, int basisPoints) {
    return (charge / 10_000) * basisPoints + (charge % 10_000) * basisPoints / 10_000;
  }

  // ---------------------------------------------------------------- accounts and plain transfers

  /** Creates the account {@code id} (balance 0, never negative) unless it exists; completes with it either way. */
  public CompletableFuture<Account> openAccount(String id) {
    LedgerException bad = checkAccount(id, "account");
    return bad != null ? CompletableFuture.failedFuture(bad) : write(c -> LedgerQueries.openAccount(c, id, clock.millis()));
  }

  /** Grants {@code amount} to {@code account} from the {@link #MINT} (code {@code grant}). */
  public CompletableFuture<Transfer> mint(String id, String account, long amount) {
    LedgerException bad = first(checkTransferId(id), checkUserAccount(account, "account"), checkAmount(amount));
    return bad != null ? CompletableFuture.failedFuture(bad)
        : engine.create(transfer(id, Transfer.Kind.TRANSFER, MINT, account, amount, "grant", null));
  }

  /** Moves {@code amount} from {@code debit} to {@code credit} at once (code {@code transfer}). */
  public CompletableFuture<Transfer> transfer(String id, String debit, String credit, long amount) {
    LedgerException bad = checkPair(id, debit, credit, amount);
    return bad != null ? CompletableFuture.failedFuture(bad)
        : engine.create(transfer(id, Transfer.Kind.TRANSFER, debit, credit, amount, "transfer", null));
  }

  /**
   * Reserves {@code amount} of {@code debit}'s available balance for {@code credit} (a PENDING
   * transfer), refused with {@link LedgerError#INSUFFICIENT_CREDITS} when it does not cover it.
   *
   * @param tag kept with the reservation for {@link #voidDangling}, e.g. the gateway's id; may be null
   */
  public CompletableFuture<Transfer> reserve(String id, String debit, String credit, long amount, String tag) {
    LedgerException bad = first(checkPair(id, debit, credit, amount), checkTag(tag));
    return bad != null ? CompletableFuture.failedFuture(bad)
        : engine.create(transfer(id, Transfer.Kind.PENDING, debit, credit, amount, "transfer", tag));
  }

  /** Posts {@code amount} (1 .. what was reserved) of the pending transfer {@code pendingId} and releases the rest. */
  public CompletableFuture<Transfer> post(String id, String pendingId, long amount) {
    LedgerException bad = first(checkTransferId(id), checkPendingId(pendingId), checkAmount(amount));
    return bad != null ? CompletableFuture.failedFuture(bad) : engine.settle(id, pendingId, true, amount);
  }

  /** Releases all of the pending transfer {@code pendingId}. */
  public CompletableFuture<Transfer> voidPending(String id, String pendingId) {
    LedgerException bad = first(checkTransferId(id), checkPendingId(pendingId));
    return bad != null ? CompletableFuture.failedFuture(bad) : engine.settle(id, pendingId, false, 0);
  }

  // ---------------------------------------------------------------- calls

  /**
   * Reserves a call's most it may cost from {@code caller} (id {@link #callReservationId}); refused
   * with {@link LedgerError#INSUFFICIENT_CREDITS} when the caller's available balance is short.
   * Repeating it for the same call (a retry, a failover) returns the first reservation.
   *
   * @param callId unique across the ledger's lifetime (letters, digits, {@code . _ -}; up to 128)
   * @param tag kept with it for {@link #voidDangling}, e.g. the gateway's id; may be null
   */
  public CompletableFuture<Transfer> reserveCall(String callId, String caller, long maxCharge, String tag) {
    LedgerException bad = first(checkCallId(callId), checkUserAccount(caller, "caller"), checkAmount(maxCharge), checkTag(tag));
    return bad != null ? CompletableFuture.failedFuture(bad)
        : engine.create(transfer(callReservationId(callId), Transfer.Kind.PENDING, caller, CLEARING, maxCharge, "call", tag));
  }

  /**
   * Settles a call in one transaction: posts {@code charge} (at most what was reserved) from the
   * caller, pays {@code nodeOwner} the charge less the fee and {@code operator} the fee
   * ({@link #fee}), and releases the rest; a charge of 0 voids the reservation. Repeating it with
   * the same arguments returns the first settlement; with others it is refused
   * ({@link LedgerError#ALREADY_POSTED} or {@link LedgerError#ALREADY_VOIDED}).
   */
  public CompletableFuture<Settlement> settleCall(String callId, String nodeOwner, long charge, String operator, int feeBasisPoints) {
    LedgerException bad = first(checkCallId(callId), checkUserAccount(nodeOwner, "node owner"), checkUserAccount(operator, "operator"),
        charge < 0 ? new LedgerException(LedgerError.INVALID_AMOUNT, "a charge cannot be negative: " + charge) : null,
        feeBasisPoints < 0 || feeBasisPoints > MAX_FEE_BASIS_POINTS
            ? new LedgerException(LedgerError.INVALID_FEE, "a fee is 0.." + MAX_FEE_BASIS_POINTS + " basis points, not " + feeBasisPoints)
            : null);
    return bad != null ? CompletableFuture.failedFuture(bad)
        : engine.settleCall(callId, nodeOwner, charge, operator, feeBasisPoints);
  }

  /**
   * Charges a call in one request, one transaction, for a call whose reservation was held only in
   * the gateway's memory while it ran: the node owner's share and the operator's fee are posted
   * straight from {@code caller}, with no PENDING, POST or clearing transfer. The call is itemized
   * in one row ({@link #callCharge}), and its credits move in the transfers of its batch (every
   * request the store's writer commits together): one from the caller to the node owner and one
   * to the operator, codes {@code share} and {@code fee}, ids {@code charges:<batch>:<n>}, each
   * the sum of the batch's calls between those accounts. The call is still charged at most once:
   * a repeat with the same arguments returns the first charge, one with another charge, node
   * owner or operator is refused ({@link LedgerError#ALREADY_POSTED}), and {@link #settleCall}
   * of a reservation made afterwards under the same call id is refused too. A call reserved
   * earlier ({@link #reserveCall}, a long call) is settled instead, as {@link #settleCall} does.
   * The caller must be able to cover {@code maxCharge}, as a reservation would
   * ({@link LedgerError#INSUFFICIENT_CREDITS}); a refusal writes nothing; a charge of 0 writes
   * nothing. In the returned settlement, {@code reserved} is {@code maxCharge} and the transfers
   * are the batched share and fee transfers that carry the call (when not 0).
   */
  public CompletableFuture<Settlement> chargeCall(String callId, String caller, long maxCharge, String tag, String nodeOwner, long charge,
      String operator, int feeBasisPoints) {
    LedgerException bad = first(checkCallId(callId), checkUserAccount(caller, "caller"), checkAmount(maxCharge), checkTag(tag),
        checkUserAccount(nodeOwner, "node owner"), checkUserAccount(operator, "operator"),
        charge < 0 ? new LedgerException(LedgerError.INVALID_AMOUNT, "a charge cannot be negative: " + charge) : null,
        feeBasisPoints < 0 || feeBasisPoints > MAX_FEE_BASIS_POINTS
            ? new LedgerException(LedgerError.INVALID_FEE, "a fee is 0.." + MAX_FEE_BASIS_POINTS + " basis points, not " + feeBasisPoints)
            : null);
    return bad != null ? CompletableFuture.failedFuture(bad)
        : engine.chargeCall(transfer(callReservationId(callId), Transfer.Kind.PENDING, caller, CLEARING, maxCharge, "call", tag),
            callId, nodeOwner, charge, operator, feeBasisPoints);
  }

  /**
   * Charges a call as {@link #chargeCall} does, but without a row of its own: the node owner's
   * share and the operator's fee are posted straight from {@code caller} in tallied transfers
   * (codes {@code share} and {@code fee}, ids {@code tally:<batch>:<n>}, each the sum of the calls
   * tallied between those accounts, with this tag, over about a second). Short calls cost the
   * store's writer almost nothing this way: the ledger looks nothing up per call, and a batch adds
   * its sums to running tallies (one small row per tag, pair of accounts and code, counted by
   * {@link #audit()}) instead of writing transfers. The balances change in the call's commit; the
   * running tallies become transfers {@link #TALLY_OPEN_MILLIS} after they open, on
   * {@link #closeTallies()}, or, left by a run that stopped without closing them, when the next
   * run tallies with the same tag (any ledger closes those over a minute old).
   *
   * <p><b>The at-most-once guard is the caller's</b>: the ledger keeps no trace of the call, so a
   * repeat is charged again. Call it once per call, from the one place that completes the call
   * (the gateway does so from memory, per run: a call it held when it stopped is never charged,
   * and the next run's calls have other ids). The caller must be able to cover {@code maxCharge},
   * as a reservation would ({@link LedgerError#INSUFFICIENT_CREDITS}); a refusal writes nothing; a
   * charge of 0 writes nothing. Completes once committed.
   */
  public CompletableFuture<Void> tallyCall(String caller, long maxCharge, String tag, String nodeOwner, long charge, String operator,
      int feeBasisPoints) {
    LedgerException bad = first(checkUserAccount(caller, "caller"), checkAmount(maxCharge), checkTag(tag),
        checkUserAccount(nodeOwner, "node owner"), checkUserAccount(operator, "operator"),
        charge < 0 ? new LedgerException(LedgerError.INVALID_AMOUNT, "a charge cannot be negative: " + charge) : null,
        charge > maxCharge ? new LedgerException(LedgerError.EXCEEDS_PENDING, "the call may cost at most " + maxCharge + "; the charge is "
            + charge) : null,
        feeBasisPoints < 0 || feeBasisPoints > MAX_FEE_BASIS_POINTS
            ? new LedgerException(LedgerError.INVALID_FEE, "a fee is 0.." + MAX_FEE_BASIS_POINTS + " basis points, not " + feeBasisPoints)
            : null);
    return bad != null ? CompletableFuture.failedFuture(bad)
        : engine.tallyCall(caller, maxCharge, tag, nodeOwner, charge, operator, feeBasisPoints);
  }

  /**
   * Writes the running sums of tallied charges ({@link #tallyCall}) as {@code tally:} transfers
   * now, instead of within a second; completes once committed. A gateway calls it when it stops,
   * so that its statements hold every charge.
   */
  public CompletableFuture<Void> closeTallies() {
    return engine.closeTallies();
  }

  /** Releases a call's whole reservation (it never ran); idempotent. */
  public CompletableFuture<Transfer> voidCall(String callId) {
    LedgerException bad = checkCallId(callId);
    String pendingId = callReservationId(callId);
    return bad != null ? CompletableFuture.failedFuture(bad)
        : engine.settle(settlementId(pendingId), pendingId, false, 0);
  }

  /**
   * Voids every reservation made before {@code createdBefore} and still open, those tagged
   * {@code tag} only unless it is null: what a gateway left reserved when it stopped. Completes with
   * the voids, in batches of 500 per transaction.
   */
  public CompletableFuture<List<Transfer>> voidDangling(String tag, Instant createdBefore) {
    LedgerException bad = checkTag(tag);
    if (bad != null) {
      return CompletableFuture.failedFuture(bad);
    }
    return voidMore(tag, createdBefore.toEpochMilli(), new ArrayList<>());
  }

  private CompletableFuture<List<Transfer>> voidMore(String tag, long before, List<Transfer> done) {
    return store.write(c -> engine.voidDangling(c, tag, before, VOID_BATCH)).thenCompose(voids -> {
      done.addAll(voids);
      return voids.isEmpty() ? CompletableFuture.completedFuture(done) : voidMore(tag, before, done);
    });
  }

  // ---------------------------------------------------------------- reads

  /** The account, if it exists. */
  public Optional<Account> account(String id) {
    return Optional.ofNullable(store.read(c -> LedgerQueries.account(c, id)));
  }

  /**
   * The account as the writer sees it after every request queued before this one (and their
   * futures' callbacks, which run before this one's): a read in order with this ledger's writes,
   * for a cache that those callbacks keep up to date ({@code null} when it does not exist).
   */
  public CompletableFuture<Account> accountInOrder(String id) {
    return store.write(c -> LedgerQueries.account(c, id));
  }

  /** The transfer, if it exists. */
  public Optional<Transfer> find(String transferId) {
    return Optional.ofNullable(store.read(c -> LedgerQueries.find(c, transferId)));
  }

  /** How a call charged in one request ({@link #chargeCall}) was charged, if it was. */
  public Optional<CallCharge> callCharge(String callId) {
    return Optional.ofNullable(store.read(c -> LedgerQueries.findCall(c, callId)));
  }

  /** Reservations still open that were made before {@code createdBefore} (tagged {@code tag} unless null), oldest first. */
  public List<Transfer> openPendings(String tag, Instant createdBefore, int limit) {
    return store.read(c -> LedgerQueries.openPendings(c, tag, createdBefore.toEpochMilli(), limit));
  }

  /** The account's statement with its {@code recent} newest transfers, if it exists. */
  public Optional<Statement> statement(String account, int recent) {
    return Optional.ofNullable(store.read(c -> {
      Account a = LedgerQueries.account(c, account);
      if (a == null) {
        return null;
      }
      long granted = LedgerQueries.granted(c, account);
      return new Statement(a, granted, a.creditsPosted() - granted, a.debitsPosted(), LedgerQueries.recent(c, account, recent));
    }));
  }

  /**
   * Checks the whole ledger (reads every transfer: for tests and operators, not the hot path): the
   * sum of all balances is 0 (what the mint granted is what the other accounts hold), no account
   * but the mint is negative, clearing holds nothing posted, and every account's totals equal
   * what its transfers add up to.
   */
  public Audit audit() {
    return store.read(LedgerAudit::run);
  }

  /**
   * How the writer paced this ledger's batches so far. Under load (a batch of at least 64 requests
   * and calls) the next batch starts no sooner than 2 ms after it, so that the calls arriving
   * meanwhile share its commit: fewer, larger commits, each costing the writer about the same CPU.
   */
  public Pacing pacing() {
    return engine.pacing();
  }

  /**
   * What {@link #pacing()} reports.
   *
   * @param batches the batches that waited for the pace
   * @param waitedNanos how long they waited, summed
   */
  public record Pacing(long batches, long waitedNanos) {}

  // ---------------------------------------------------------------- results

  /**
   * A settled call.
   *
   * @param callId the call
   * @param caller who paid
   * @param nodeOwner who ran it and got {@link #share()}
   * @param operator who got the fee
   * @param reserved what was reserved at dispatch
   * @param charge what the caller paid (0: the reservation was voided)
   * @param fee the operator's part of the charge
   * @param transfers the POST (or VOID), then the share and the fee transfers (when not 0); for a call charged without a
   *     reservation ({@link #chargeCall}), the share and the fee transfers of its batch, which carry it with the batch's other
   *     calls between the same accounts
   */
  public record Settlement(String callId, String caller, String nodeOwner, String operator, long reserved, long charge, long fee,
      List<Transfer> transfers) {
    /** The node owner's part: charge − fee. */
    public long share() {
      return charge - fee;
    }

    /** What went back to the caller's available balance: reserved − charge. */
    public long released() {
      return reserved - charge;
    }
  }

  /**
   * An account's statement.
   *
   * @param account its totals ({@link Account#available()}, {@link Account#reserved()})
   * @param granted what the mint gave it
   * @param earned what other accounts paid it (credits posted − granted)
   * @param spent what it paid (debits posted)
   * @param recent its newest transfers, newest first
   */
  public record Statement(Account account, long granted, long earned, long spent, List<Transfer> recent) {}

  /**
   * The result of {@link #audit()}.
   *
   * @param accounts how many accounts
   * @param transfers how many transfers
   * @param minted what the mint granted, net (−its balance)
   * @param held what every other account holds, posted (= minted when conserved)
   * @param reserved what is reserved in all
   * @param problems what does not add up; empty when the ledger is consistent
   */
  public record Audit(long accounts, long transfers, long minted, long held, long reserved, List<String> problems) {
    /** Whether nothing is wrong. */
    public boolean consistent() {
      return problems.isEmpty();
    }
  }

  // ---------------------------------------------------------------- plumbing

  private <T> CompletableFuture<T> write(SqlWork<Outcome<T>> work) {
    return store.write(work).thenApply(Outcome::orThrow);
  }

  /** The transfer asked for; the batch that runs it sets its time. */
  private static Transfer transfer(String id, Transfer.Kind kind, String debit, String credit, long amount, String code, String tag) {
    return new Transfer(id, kind, debit, credit, amount, null, code, tag, 0);
  }

  private static LedgerException first(LedgerException... checks) {
    for (LedgerException e : checks) {
      if (e != null) {
        return e;
      }
    }
    return null;
  }

  private static LedgerException checkAmount(long amount) {
    return amount > 0 ? null : new LedgerException(LedgerError.INVALID_AMOUNT, "an amount must be at least 1, not " + amount);
  }

  private static LedgerException checkAccount(String id, String what) {
    return id != null && ACCOUNT_ID.matches(id) ? null
        : new LedgerException(LedgerError.INVALID_ID, "the " + what + " id must be 1-128 letters, digits or . _ @ -, not " + quote(id));
  }

  private static LedgerException checkUserAccount(String id, String what) {
    LedgerException bad = checkAccount(id, what);
    if (bad == null && (MINT.equals(id) || CLEARING.equals(id))) {
      return new LedgerException(LedgerError.SYSTEM_ACCOUNT, "the " + id + " account cannot be the " + what
          + " here; it moves only through mint and the call methods");
    }
    return bad;
  }

  private static LedgerException checkPair(String id, String debit, String credit, long amount) {
    LedgerException bad = first(checkTransferId(id), checkUserAccount(debit, "debit account"), checkUserAccount(credit, "credit account"),
        checkAmount(amount));
    if (bad == null && debit.equals(credit)) {
      bad = new LedgerException(LedgerError.SAME_ACCOUNT, "transfer '" + id + "' debits and credits the same account '" + debit + "'");
    }
    return bad;
  }

  private static LedgerException checkTransferId(String id) {
    if (id == null || !TRANSFER_ID.matches(id)) {
      return new LedgerException(LedgerError.INVALID_ID, "a transfer id is 1-160 printable ASCII characters without spaces, not " + quote(id));
    }
    return id.startsWith(CALL_PREFIX) || id.startsWith(BATCH_PREFIX) || id.startsWith(TALLY_PREFIX)
        ? new LedgerException(LedgerError.INVALID_ID, "transfer ids starting with '" + CALL_PREFIX + "', '" + BATCH_PREFIX + "' or '"
            + TALLY_PREFIX + "' belong to the call methods: " + id)
        : null;
  }

  private static LedgerException checkPendingId(String id) {
    if (id != null && (id.startsWith(CALL_PREFIX) || id.startsWith(BATCH_PREFIX) || id.startsWith(TALLY_PREFIX))) {
      return new LedgerException(LedgerError.SYSTEM_ACCOUNT, "a call's reservation is settled by settleCall or voidCall: " + id);
    }
    return id != null && TRANSFER_ID.matches(id) ? null
        : new LedgerException(LedgerError.INVALID_ID, "a pending transfer id is 1-160 printable ASCII characters, not " + quote(id));
  }

  private static LedgerException checkCallId(String id) {
    return id != null && CALL_ID.matches(id) ? null
        : new LedgerException(LedgerError.INVALID_ID, "a call id is 1-128 letters, digits or . _ -, not " + quote(id));
  }

  private static LedgerException checkTag(String tag) {
    return tag == null || TAG.matches(tag) ? null
        : new LedgerException(LedgerError.INVALID_ID, "a tag is up to 128 printable ASCII characters, not " + quote(tag));
  }

  private static String quote(String s) {
    if (s == null) {
      return "null";
    }
    return "'" + (s.length() > 40 ? s.substring(0, 40) + "…" : s) + "'";
  }
}
