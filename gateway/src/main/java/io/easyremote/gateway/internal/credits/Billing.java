package io.easyremote.gateway.internal.credits;

import io.easyremote.gateway.Access;
import io.easyremote.gateway.internal.core.CallAdmission;
import io.easyremote.gateway.internal.core.CallListener;
import io.easyremote.gateway.internal.core.CallRecord;
import io.easyremote.gateway.internal.core.CallScheduler;
import io.easyremote.gateway.internal.core.NodeSession;
import io.easyremote.gateway.internal.core.Outcome;
import io.easyremote.gateway.internal.core.PendingCall;
import io.easyremote.protocol.ErrorCode;
import io.easyremote.protocol.internal.Wire;
import io.easyremote.protocol.wire.Error;
import io.easyremote.store.Ledger;
import io.easyremote.store.LedgerError;
import io.easyremote.store.LedgerException;
import io.easyremote.store.UsageRecord;
import io.easyremote.store.UsageTable;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Charges for calls ({@code docs/credits.md}). As the scheduler's {@link CallAdmission} it admits
 * a paid call at once when the caller's account can cover the most the call may cost
 * ({@link CallerBudgets}, in memory: the hold); a caller who cannot cover it gets
 * {@code INSUFFICIENT_CREDITS} and no node runs the call. As a {@link CallListener} it charges the
 * call when it completes (the charge to the node owner's account, the fee to the operator's) and
 * meters every call that reached a node. A call that completes within
 * {@link #RESERVE_AFTER_MILLIS} is charged in one ledger request, its share and fee posted
 * straight from the caller and tallied with its batch's other calls ({@code Ledger.tallyCall}; a
 * charge of 0 writes nothing); a longer one has its reservation written once it has run that long,
 * and is settled (or voided) when it completes. A paid call's result reaches its caller only once its charge is committed, so a crash
 * never leaves a result the caller saw uncharged. Free calls (every node offering the function asks 0) never touch the ledger.
 * A call that would wait for its function's nodes to come back (after a restart, or a moment
 * after they were lost) waits here instead, and is admitted against their price once they are.
 *
 * <p>Prices are those of the nodes offering the function when the call is admitted (the
 * reservation covers the highest); the node that ran it is charged at its price from then. Nothing
 * here blocks a caller's thread or the routing lock. The ledger writes in order (one writer), so a
 * call's settlement, queued when it completes, always follows its reservation when that was
 * written first.
 */
public final class Billing implements CallAdmission, CallListener, AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(Billing.class);
  /** The caller account recorded for metering when the caller has none. */
  static final String ANONYMOUS = "anonymous";
  /** The node account recorded for metering when the node's token has none. */
  static final String UNOWNED = "unowned";

  private final Ledger ledger;
  private final UsageTable usage;
  private final CallScheduler scheduler;
  private final Access access;
  private final CreditSettings settings;
  private final Instant started = Instant.now();
  private final String idPrefix;
  private final Map<Long, Billed> open = new ConcurrentHashMap<>();
  private final PriceWait priceWait;
  private final CallerBudgets budgets;
  private final Map<String, CompletableFuture<Void>> reloading = new ConcurrentHashMap<>();
  /** What each node earned its owner since this gateway started (its share of settled charges). */
  private final Map<String, java.util.concurrent.atomic.LongAdder> earnedByNode = new ConcurrentHashMap<>();
  private final ScheduledExecutorService executor = Executors.newSingleThreadScheduledExecutor(runnable -> {
    Thread t = new Thread(runnable, "easyremote-credits");
    t.setDaemon(true);
    return t;
  });
  private final Counter reserved;
  private final Counter refused;
  private final Counter settled;
  private final Counter voided;
  private final Counter charged;
  private final Counter fees;
  private final Counter ledgerFailures;

  /** A node that may run the call: its price and its owner's account, when it was admitted. */
  record Offer(Price price, String owner) {}

  /**
   * A paid call between its admission and its settlement.
   *
   * @param written set once the reservation is queued to the ledger (by {@link #reserveLongCalls}), or the call is
   *     charged in one request (by its completion): whichever comes first
   * @param reservation completes with null once the ledger holds the reservation, or with why not
   * @param answer what the call's result waits for: null once the settlement is committed
   */
  private record Billed(String ledgerId, String caller, long maxCharge, Price highest, Map<String, Offer> offers,
      long admittedNanos, AtomicBoolean written, CompletableFuture<Error> reservation,
      CompletableFuture<Error> answer) {}

  public Billing(Ledger ledger, UsageTable usage, CallScheduler scheduler, Access access, CreditSettings settings, MeterRegistry registry) {
    this.ledger = ledger;
    this.usage = usage;
    this.scheduler = scheduler;
    this.access = access;
    this.settings = settings;
    this.idPrefix = settings.gatewayId() + "-" + started.toEpochMilli() + "-";
    this.budgets = new CallerBudgets(ledger::account);
    this.priceWait = new PriceWait(scheduler, this::admit);
    this.reserved = Counter.builder("easyremote.credits.reserved").description("Credits reserved for paid calls").register(registry);
    this.refused = Counter.builder("easyremote.credits.refused").description("Paid calls refused with INSUFFICIENT_CREDITS").register(registry);
    this.settled = Counter.builder("easyremote.credits.settled.calls").description("Paid calls settled with a charge").register(registry);
    this.voided = Counter.builder("easyremote.credits.voided.calls").description("Paid calls whose reservation was voided").register(registry);
    this.charged = Counter.builder("easyremote.credits.charged").description("Credits charged to callers").register(registry);
    this.fees = Counter.builder("easyremote.credits.fees").description("Credits taken as the operator fee").register(registry);
    this.ledgerFailures = Counter.builder("easyremote.credits.ledger.failures").description("Ledger requests that failed").register(registry);
    FunctionCounter.builder("easyremote.credits.metered.calls", usage, UsageTable::recordedCalls)
        .description("Calls recorded in the usage table").register(registry);
  }

  /**
   * Opens every account the access configuration names and the operator's, then voids what this
   * gateway left reserved when it last stopped. Blocks until done (gateway start).
   */
  public void start() {
    for (String account : access.accounts()) {
      ledger.openAccount(account).join();
    }
    ledger.openAccount(settings.operatorAccount()).join();
    List<io.easyremote.store.Transfer> voids = ledger.voidDangling(settings.gatewayId(), started).join();
    if (!voids.isEmpty()) {
      log.info("Voided {} reservation(s) left by this gateway's previous run ('{}')", voids.size(), settings.gatewayId());
    }
    for (String account : access.accounts()) {
      budgets.load(account);
    }
    // Balances change elsewhere too when gateways share a store: reload them now and then.
    executor.scheduleWithFixedDelay(this::reloadBudgets, RELOAD_EVERY_MILLIS, RELOAD_EVERY_MILLIS, TimeUnit.MILLISECONDS);
    executor.scheduleWithFixedDelay(this::reserveLongCalls, RESERVE_AFTER_MILLIS / 2, RESERVE_AFTER_MILLIS / 2, TimeUnit.MILLISECONDS);
    executor.scheduleWithFixedDelay(priceWait::look, PriceWait.LOOK_MILLIS, PriceWait.LOOK_MILLIS, TimeUnit.MILLISECONDS);
  }

  /** How often the in-memory balances are reloaded from the ledger (changes made by other gateways). */
  static final long RELOAD_EVERY_MILLIS = 2_000;

  private void reloadBudgets() {
    for (String account : access.accounts()) {
      reloadBudget(account);
    }
  }

  /**
   * Reloads one account's balance, in order with this gateway's ledger requests (exact for its own
   * changes). Concurrent reloads of one account share one read.
   */
  private CompletableFuture<Void> reloadBudget(String account) {
    CompletableFuture<Void> started = new CompletableFuture<>();
    CompletableFuture<Void> running = reloading.putIfAbsent(account, started);
    if (running != null) {
      return running;
    }
    ledger.accountInOrder(account).whenComplete((a, failure) -> {
      reloading.remove(account, started);
      if (failure != null) {
        log.debug("Could not reload the balance of '{}'", account, failure);
      } else if (a != null) {
        budgets.set(account, a.available());
      }
      started.complete(null);
    });
    return started;
  }

  /**
   * Grants {@code amount} to {@code account} (the mint's transfer {@code id}; a repeat with the same
   * id grants nothing more) and makes it spendable here at once.
   */
  public CompletableFuture<io.easyremote.store.Transfer> grant(String id, String account, long amount) {
    return ledger.mint(id, account, amount).thenCompose(transfer -> reloadBudget(account).thenApply(v -> transfer));
  }

  /** The ledger id of the call with the scheduler's id {@code callId}: unique across restarts. */
  String ledgerId(long callId) {
    return idPrefix + callId;
  }

  /** The ledger. */
  public Ledger ledger() {
    return ledger;
  }

  /** The metering table. */
  public UsageTable usage() {
    return usage;
  }

  /** The credits account of the client key named {@code principal}, or null (anonymous, or no valid account). */
  public String accountOf(String principal) {
    return principal == null ? null : access.keyAccount(principal);
  }

  // ---------------------------------------------------------------- admission

  @Override
  public CompletionStage<Error> admit(PendingCall call) {
    String function = call.function();
    String pinned = call.request().pinnedNode();
    Map<String, Offer> offers = scheduler.read(view -> offers(view.offering(function), function, pinned));
    if (offers.isEmpty() && scheduler.waitsForANode(call.request())) {
      // No node offers it yet (nodes reconnecting after a restart, or a moment after they were lost):
      // its price is not known. It waits here for them instead of in the queue, and is admitted
      // against their price once they are back (a stream's items are not held, so it must be).
      return priceWait.add(call);
    }
    if (offers.isEmpty()) {
      // No node here offers it, and it does not wait for one (forwarded to another gateway, or a node
      // came back as the wait ended). Its price is known only once it runs, so it is charged then, before its result goes out.
      Billed later = new Billed(ledgerId(call.id()), accountOf(call.request().grant().principal()), 0, Price.FREE, Map.of(),
          System.nanoTime(), new AtomicBoolean(true), CompletableFuture.completedFuture(null),
          new CompletableFuture<>());
      open.put(call.id(), later);
      if (settings.settleBeforeResult()) {
        call.answerAfter(later.answer());
      }
      return null;
    }
    Price highest = highest(offers);
    if (highest.free()) {
      return null; // free: no ledger, no latency
    }
    String caller = accountOf(call.request().grant().principal());
    if (caller == null) {
      refused.increment();
      return CompletableFuture.completedFuture(Wire.error(ErrorCode.INSUFFICIENT_CREDITS, "'" + function + "' has a price and this "
          + "caller has no credits account: call it with a client key that has one."));
    }
    long deadlineMillis = Math.max(0, TimeUnit.NANOSECONDS.toMillis(call.request().deadlineNanos() - System.nanoTime()));
    long maxCharge;
    try {
      maxCharge = highest.mostFor(deadlineMillis);
    } catch (ArithmeticException e) {
      return CompletableFuture.completedFuture(Wire.error(ErrorCode.INVALID_REQUEST, "The most a call to '" + function
          + "' may cost with a deadline of " + deadlineMillis + " ms overflows: use a shorter deadline."));
    }
    if (budgets.tryHold(caller, maxCharge)) {
      held(call, caller, maxCharge, highest, offers);
      return null; // routed now
    }
    // Short here: the balance may have grown behind this gateway's back (a grant, another gateway).
    // Look again, in order with the ledger's writes, before refusing.
    return reloadBudget(caller).thenApply(v -> {
      if (budgets.tryHold(caller, maxCharge)) {
        return held(call, caller, maxCharge, highest, offers);
      }
      refused.increment();
      return insufficient(caller, maxCharge, function, highest, deadlineMillis);
    });
  }

  /**
   * The caller's balance holds {@code maxCharge} (in memory): the call is routed now. Its reservation
   * is written with its settlement when it completes ({@link #chargeHeld}), or by
   * {@link #reserveLongCalls} once it has run {@link #RESERVE_AFTER_MILLIS}. Returns null (route it).
   */
  private Error held(PendingCall call, String caller, long maxCharge, Price highest, Map<String, Offer> offers) {
    Billed billed = new Billed(ledgerId(call.id()), caller, maxCharge, highest, offers, System.nanoTime(),
        new AtomicBoolean(), new CompletableFuture<>(), new CompletableFuture<>());
    open.put(call.id(), billed);
    if (settings.settleBeforeResult()) {
      call.answerAfter(billed.answer());
    }
    if (call.isCompleted() && open.remove(call.id(), billed)) {
      // Admitted late (after a reload, or a wait for its price) when its deadline or a cancel had
      // ended it: its completion may have passed before it was in the table. It never ran: the hold goes back.
      budgets.refused(caller, maxCharge);
    }
    return null;
  }

  /** How long a paid call runs before its reservation is written on its own (shorter calls write it with their settlement). */
  static final long RESERVE_AFTER_MILLIS = 100;

  /** Queues the reservation of every paid call that has run {@link #RESERVE_AFTER_MILLIS} and has none yet. */
  private void reserveLongCalls() {
    long now = System.nanoTime();
    for (Billed billed : open.values()) {
      if (!billed.offers().isEmpty() && now - billed.admittedNanos() >= TimeUnit.MILLISECONDS.toNanos(RESERVE_AFTER_MILLIS)) {
        reserve(billed);
      }
    }
  }

  /**
   * Queues {@code billed}'s reservation (not awaited) unless it is written or charged already. The
   * claim and the queueing happen under {@code written}'s monitor, which the call's completion
   * takes too ({@link #claim}): a settlement is thus always queued after its reservation.
   */
  private void reserve(Billed billed) {
    CompletableFuture<io.easyremote.store.Transfer> queued;
    synchronized (billed.written()) {
      if (!billed.written().compareAndSet(false, true)) {
        return;
      }
      queued = ledger.reserveCall(billed.ledgerId(), billed.caller(), billed.maxCharge(), settings.gatewayId());
    }
    String caller = billed.caller();
    long maxCharge = billed.maxCharge();
    queued.whenComplete((transfer, failure) -> {
      if (failure == null) {
        budgets.reserved(caller, maxCharge);
        reserved.increment(maxCharge);
        billed.reservation().complete(null);
        return;
      }
      budgets.refused(caller, maxCharge);
      Throwable cause = unwrap(failure);
      if (cause instanceof LedgerException le && le.error() == LedgerError.INSUFFICIENT_CREDITS) {
        refused.increment(); // another gateway on the same store spent it first
        billed.reservation().complete(spentElsewhere(billed, null));
      } else {
        ledgerFailures.increment();
        log.warn("Could not reserve call {}", billed.ledgerId(), cause);
        billed.reservation().complete(Wire.error(ErrorCode.UNAVAILABLE, "The credits ledger could not reserve the call "
            + billed.ledgerId() + ", so its result is withheld: retry."));
      }
    });
  }

  /** The caller's balance in the ledger could not cover the call when it was written: another gateway spent it first. */
  private static Error spentElsewhere(Billed billed, String nodeId) {
    return Wire.error(ErrorCode.INSUFFICIENT_CREDITS, "Account '" + billed.caller() + "' could not cover the " + billed.maxCharge()
        + " credits held for call " + billed.ledgerId() + (nodeId == null ? "" : ", which ran on node '" + nodeId + "',")
        + " when the ledger recorded it (they were spent elsewhere), so its result is withheld and nothing is charged.");
  }

  private static Error insufficient(String caller, long maxCharge, String function, Price highest, long deadlineMillis) {
    return Wire.error(ErrorCode.INSUFFICIENT_CREDITS, "Account '" + caller + "' cannot cover the " + maxCharge
        + " credits a call to '" + function + "' may cost (" + highest + ", deadline " + deadlineMillis + " ms): "
        + "ask for a grant, or call with a shorter deadline.");
  }

  private static Throwable unwrap(Throwable failure) {
    return failure instanceof java.util.concurrent.CompletionException && failure.getCause() != null ? failure.getCause() : failure;
  }

  private Map<String, Offer> offers(List<NodeSession> nodes, String function, String pinned) {
    Map<String, Offer> offers = new HashMap<>();
    for (NodeSession node : nodes) {
      if (pinned != null && !pinned.equals(node.nodeId())) {
        continue;
      }
      String owner = node.principal() == null ? null : access.tokenAccount(node.principal());
      // A node whose token has no account cannot be paid: its functions are free.
      Price price = owner == null ? Price.FREE : Price.of(node.function(function));
      offers.put(node.nodeId(), new Offer(price, owner));
    }
    return offers;
  }

  private static Price highest(Map<String, Offer> offers) {
    Price highest = Price.FREE;
    for (Offer offer : offers.values()) {
      highest = highest.max(offer.price());
    }
    return highest;
  }

  // ---------------------------------------------------------------- completion

  @Override
  public void onCompleted(CallRecord record) {
    Billed billed = open.remove(record.callId());
    String nodeOwner = null;
    if (record.nodeId() != null && !record.replay()) { // a replay ran nowhere: the call it repeats was metered
      Offer offer = billed == null ? null : billed.offers().get(record.nodeId());
      nodeOwner = offer != null ? offer.owner() : liveOwner(record.nodeId());
      meter(billed, record, nodeOwner);
    }
    if (billed == null) {
      return; // free, a repeat of an idempotency key, or refused before its reservation was made
    }
    if (billed.offers().isEmpty()) {
      chargeUnpriced(billed, record, nodeOwner);
      return;
    }
    long charge = charge(billed, record);
    if (claim(billed)) { // its reservation was held in memory only: one request, or none
      chargeHeld(billed, record, nodeOwner, charge);
      return;
    }
    if (charge == 0 || nodeOwner == null) {
      billed.answer().complete(null); // nothing to charge: the result need not wait
      ledger.voidCall(billed.ledgerId()).whenComplete((t, failure) -> {
        if (failure == null) {
          budgets.released(billed.caller(), billed.maxCharge());
          voided.increment();
        } else if (!neverReserved(billed, failure)) {
          ledgerFailed("void", billed, failure);
        }
      });
      return;
    }
    // Queued behind the reservation; the result (if it succeeded) goes out once this is committed.
    ledger.settleCall(billed.ledgerId(), nodeOwner, charge, settings.operatorAccount(), settings.feeBasisPoints())
        .whenComplete((settlement, failure) -> {
          if (failure == null) {
            budgets.released(billed.caller(), settlement.released());
            paid(record, settlement);
            billed.answer().complete(null);
            return;
          }
          Error refusal = billed.reservation().getNow(null);
          if (refusal == null) {
            ledgerFailed("settle", billed, failure);
            refusal = Wire.error(ErrorCode.UNAVAILABLE, "The call to '" + record.function() + "' ran, but the credits ledger "
                + "could not settle it, so its result is withheld: retry.");
          }
          billed.answer().complete(refusal);
        });
  }

  /**
   * Claims a completed call's charge: true when its reservation was never queued (the caller then
   * writes it with the settlement); false when {@link #reserve} queued it, in which case that
   * queueing is over when this returns, so what the caller queues next follows it.
   */
  private static boolean claim(Billed billed) {
    synchronized (billed.written()) {
      return billed.written().compareAndSet(false, true);
    }
  }

  /**
   * A paid call that completed before its reservation was written: nothing of it is in the ledger
   * yet. A charge of 0 just releases the hold; otherwise it is charged in one request, tallied with
   * the other calls its batch charges ({@code Ledger.tallyCall}: the share and the fee posted from
   * the caller, both or neither, no row of its own), and its result waits for that. This is the
   * call's only charge: {@link #onCompleted} runs once per call (it took the call out of
   * {@code open}), {@link #claim} kept its reservation from being written, and its ledger id is this
   * run's, so neither a retry nor a later run can charge it again.
   */
  private void chargeHeld(Billed billed, CallRecord record, String nodeOwner, long charge) {
    if (charge == 0 || nodeOwner == null) {
      budgets.refused(billed.caller(), billed.maxCharge()); // the hold goes back; the ledger never saw the call
      voided.increment();
      billed.answer().complete(null);
      return;
    }
    ledger.tallyCall(billed.caller(), billed.maxCharge(), settings.gatewayId(), nodeOwner, charge, settings.operatorAccount(),
        settings.feeBasisPoints()).whenComplete((v, failure) -> {
          if (failure == null) {
            budgets.charged(billed.caller(), billed.maxCharge(), charge);
            reserved.increment(billed.maxCharge());
            long fee = Ledger.fee(charge, settings.feeBasisPoints());
            paid(record.nodeId(), charge, fee);
            billed.answer().complete(null);
            return;
          }
          budgets.refused(billed.caller(), billed.maxCharge());
          if (unwrap(failure) instanceof LedgerException le && le.error() == LedgerError.INSUFFICIENT_CREDITS) {
            refused.increment(); // another gateway on the same store spent it first
            billed.answer().complete(spentElsewhere(billed, record.nodeId()));
          } else {
            ledgerFailed("charge", billed, failure);
            billed.answer().complete(Wire.error(ErrorCode.UNAVAILABLE, "The call to '" + record.function() + "' ran, but the credits "
                + "ledger could not charge it, so its result is withheld: retry."));
          }
        });
  }

  /** Counts a committed settlement. */
  private void paid(CallRecord record, Ledger.Settlement settlement) {
    paid(record.nodeId(), settlement.charge(), settlement.fee());
  }

  /** Counts a committed charge of {@code charge}, {@code fee} of it to the operator, for a call that ran on {@code nodeId}. */
  private void paid(String nodeId, long charge, long fee) {
    settled.increment();
    earnedByNode.computeIfAbsent(nodeId, n -> new java.util.concurrent.atomic.LongAdder()).add(charge - fee);
    charged.increment(charge);
    fees.increment(fee);
  }

  /**
   * A call admitted while no node offered its function: the node that ran it sets the price. The
   * reservation of exactly the charge and its settlement are queued together; the result waits
   * for both (a caller who cannot cover it gets INSUFFICIENT_CREDITS instead, naming the node).
   */
  private void chargeUnpriced(Billed billed, CallRecord record, String nodeOwner) {
    Price price = record.nodeId() == null ? Price.FREE : livePrice(record.nodeId(), record.function());
    long charge = ChargePolicy.charge(price, Long.MAX_VALUE, record.error(), record.nodeId() != null,
        TimeUnit.NANOSECONDS.toMillis(record.executionNanos()), record.items());
    if (charge == 0 || nodeOwner == null) {
      billed.answer().complete(null);
      return;
    }
    if (billed.caller() == null) {
      refused.increment();
      billed.answer().complete(Wire.error(ErrorCode.INSUFFICIENT_CREDITS, "'" + record.function() + "' has a price and this "
          + "caller has no credits account: call it with a client key that has one."));
      return;
    }
    // Charged in one request, the caller covering exactly the charge: share and fee, both or neither.
    ledger.chargeCall(billed.ledgerId(), billed.caller(), charge, settings.gatewayId(), nodeOwner, charge, settings.operatorAccount(),
        settings.feeBasisPoints()).whenComplete((settlement, failure) -> {
          if (failure == null) {
            budgets.granted(billed.caller(), -charge); // spent: this gateway's view follows
            paid(record, settlement);
            billed.answer().complete(null);
            return;
          }
          if (unwrap(failure) instanceof LedgerException le && le.error() == LedgerError.INSUFFICIENT_CREDITS) {
            refused.increment();
            billed.answer().complete(insufficient(billed.caller(), charge, record.function(), price, 0));
          } else {
            ledgerFailed("charge", billed, failure);
            billed.answer().complete(Wire.error(ErrorCode.UNAVAILABLE, "The call to '" + record.function() + "' ran, but the credits "
                + "ledger could not settle it, so its result is withheld: retry."));
          }
        });
  }

  private Price livePrice(String nodeId, String function) {
    return scheduler.read(view -> {
      NodeSession node = view.node(nodeId);
      return node == null ? Price.FREE : Price.of(node.function(function));
    });
  }

  /** The void failed because the reservation itself was refused (nothing to void). */
  private static boolean neverReserved(Billed billed, Throwable failure) {
    return billed.reservation().getNow(null) != null && unwrap(failure) instanceof LedgerException le
        && le.error() == LedgerError.UNKNOWN_PENDING;
  }

  private static long charge(Billed billed, CallRecord record) {
    Offer offer = record.nodeId() == null ? null : billed.offers().get(record.nodeId());
    Price price = offer != null ? offer.price() : billed.highest();
    return ChargePolicy.charge(price, billed.maxCharge(), record.error(), record.nodeId() != null,
        TimeUnit.NANOSECONDS.toMillis(record.executionNanos()), record.items());
  }

  private String liveOwner(String nodeId) {
    String principal = scheduler.read(view -> {
      NodeSession node = view.node(nodeId);
      return node == null ? null : node.principal();
    });
    return principal == null ? null : access.tokenAccount(principal);
  }

  private void meter(Billed billed, CallRecord record, String nodeOwner) {
    String caller = billed != null ? billed.caller() : accountOf(record.principal());
    try {
      UsageRecord row = new UsageRecord(caller == null ? ANONYMOUS : caller, nodeOwner == null ? UNOWNED : nodeOwner,
          record.function(), record.nodeId(), TimeUnit.NANOSECONDS.toMillis(record.executionNanos()), record.bytesIn(),
          record.bytesOut(), Outcome.label(record.error()), System.currentTimeMillis());
      usage.add(row); // summed in memory, written within a second
    } catch (RuntimeException e) {
      log.warn("Could not meter call {} of '{}'", record.callId(), record.function(), e);
    }
  }

  private void ledgerFailed(String what, Billed billed, Throwable failure) {
    ledgerFailures.increment();
    log.warn("Could not {} call {} (it stays reserved until the gateway restarts and voids it)", what, billed.ledgerId(), failure);
  }

  /** Paid calls reserved and not yet settled. */
  public int openCalls() {
    return open.size();
  }

  /** The credits a node earned its owner since this gateway started, or 0. */
  public long earnedSinceStart(String nodeId) {
    java.util.concurrent.atomic.LongAdder earned = earnedByNode.get(nodeId);
    return earned == null ? 0 : earned.sum();
  }

  /** Every account the access configuration names, and the operator's. */
  public List<String> accountNames() {
    java.util.LinkedHashSet<String> all = new java.util.LinkedHashSet<>(access.accounts());
    all.add(settings.operatorAccount());
    return List.copyOf(all);
  }

  /** The account of a node's token, or null (unknown node, open gateway, or no account). */
  public String ownerOf(String nodeId) {
    return liveOwner(nodeId);
  }

  /** A function of the account lookups, for front ends: the account of a principal. */
  public Function<String, String> accounts() {
    return this::accountOf;
  }

  /** What {@code account} may still reserve here now, or -1 when it has no account (tests). */
  long spendable(String account) {
    return budgets.spendable(account);
  }

  @Override
  public void close() {
    usage.flush(); // the sums still in memory: queued before the store closes, which writes what is queued
    ledger.closeTallies(); // the running tallies become transfers: the same
    executor.shutdownNow();
    try {
      executor.awaitTermination(5, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
