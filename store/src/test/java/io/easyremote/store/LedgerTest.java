package io.easyremote.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;
import static org.assertj.core.api.Assertions.tuple;
import static org.awaitility.Awaitility.await;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The ledger on a real SQLite file and a real PostgreSQL server, never mocked. After every test the
 * whole ledger of each database it used is audited: balances conserved (what the mint granted is
 * what the accounts hold), nobody overdrawn, every account's totals equal to its transfers.
 */
class LedgerTest extends OnBothDatabases {
  private final Set<Dialect> used = EnumSet.noneOf(Dialect.class);

  @AfterEach
  void ledger_afterEveryTest_isConservedAndConsistent() {
    for (Dialect dialect : used) {
      try (Store store = open(dialect)) {
        Ledger.Audit audit = new Ledger(store).audit();
        assertThat(audit.problems()).as("%s audit", dialect).isEmpty();
        assertThat(audit.minted()).as("%s: minted == held", dialect).isEqualTo(audit.held()).isPositive();
      }
    }
  }

  /** A store on {@code dialect}, whose ledger is audited after the test. */
  private Store audited(Dialect dialect) {
    used.add(dialect);
    return open(dialect);
  }

  private static String name(String prefix) {
    return prefix + "-" + UUID.randomUUID().toString().substring(0, 8);
  }

  /** Opens fresh accounts named after {@code prefixes}; grants each {@code grant} (when &gt; 0). */
  private static List<String> accounts(Ledger ledger, long grant, String... prefixes) {
    List<String> names = new ArrayList<>();
    for (String prefix : prefixes) {
      String account = name(prefix);
      ledger.openAccount(account).join();
      if (grant > 0) {
        ledger.mint("grant-" + account, account, grant).join();
      }
      names.add(account);
    }
    return names;
  }

  private static LedgerError refusal(CompletableFuture<?> future) {
    try {
      future.join();
    } catch (CompletionException e) {
      assertThat(e.getCause()).isInstanceOf(LedgerException.class);
      return ((LedgerException) e.getCause()).error();
    }
    return fail("expected a refusal, got " + future.join());
  }

  /** Changes a row behind the ledger's back: {@code sql} with one parameter, {@code id}. */
  private static int update(Store store, String sql, String id) {
    return store.writeNow(c -> {
      try (var s = c.prepareStatement(sql)) {
        s.setString(1, id);
        return s.executeUpdate();
      }
    });
  }

  /** Holds the store's writer until {@code release} opens, so that what is queued meanwhile runs as one batch. */
  private static CompletableFuture<Integer> holdWriter(Store store, CountDownLatch release) {
    return store.write(c -> {
      try {
        release.await(30, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      return 0;
    });
  }

  private static long available(Ledger ledger, String account) {
    return ledger.account(account).orElseThrow().available();
  }

  @ParameterizedTest
  @MethodSource("dialects")
  void mintAndTransfer_moveCredits_andTheStatementShowsGrantedEarnedSpent(Dialect dialect) {
    try (Store store = audited(dialect)) {
      Ledger ledger = new Ledger(store);
      List<String> a = accounts(ledger, 1_000, "alice", "bob");
      String alice = a.get(0);
      String bob = a.get(1);
      Transfer t = ledger.transfer(name("pay"), alice, bob, 300).join();
      assertThat(t.kind()).isEqualTo(Transfer.Kind.TRANSFER);
      assertThat(available(ledger, alice)).isEqualTo(700);
      assertThat(available(ledger, bob)).isEqualTo(1_300);

      Ledger.Statement alices = ledger.statement(alice, 10).orElseThrow();
      assertThat(alices.granted()).isEqualTo(1_000);
      assertThat(alices.spent()).isEqualTo(300);
      assertThat(alices.earned()).isZero();
      assertThat(alices.recent()).extracting(Transfer::id).containsExactly(t.id(), "grant-" + alice);
      Ledger.Statement bobs = ledger.statement(bob, 1).orElseThrow();
      assertThat(bobs.earned()).isEqualTo(300);
      assertThat(bobs.recent()).extracting(Transfer::id).containsExactly(t.id());
      assertThat(ledger.statement("nobody-" + UUID.randomUUID(), 5)).isEmpty();
      assertThat(ledger.account(Ledger.MINT).orElseThrow().available()).as("the mint is negative").isNegative();
    }
  }

  @ParameterizedTest
  @MethodSource("dialects")
  void sameId_sameFields_returnsTheFirstAndChangesNothing_otherFields_idReused(Dialect dialect) {
    try (Store store = audited(dialect)) {
      Ledger ledger = new Ledger(store);
      List<String> a = accounts(ledger, 0, "alice", "bob");
      String alice = a.get(0);
      String bob = a.get(1);
      String grant = name("grant");
      Transfer first = ledger.mint(grant, alice, 500).join();
      assertThat(ledger.mint(grant, alice, 500).join()).isEqualTo(first);
      assertThat(refusal(ledger.mint(grant, alice, 501))).isEqualTo(LedgerError.ID_REUSED);
      assertThat(refusal(ledger.mint(grant, bob, 500))).isEqualTo(LedgerError.ID_REUSED);
      assertThat(refusal(ledger.transfer(grant, alice, bob, 500))).as("same id, another kind").isEqualTo(LedgerError.ID_REUSED);

      String pay = name("pay");
      Transfer paid = ledger.transfer(pay, alice, bob, 200).join();
      assertThat(ledger.transfer(pay, alice, bob, 200).join()).isEqualTo(paid);
      assertThat(refusal(ledger.transfer(pay, bob, alice, 200))).isEqualTo(LedgerError.ID_REUSED);
      assertThat(available(ledger, alice)).isEqualTo(300);
      assertThat(available(ledger, bob)).isEqualTo(200);
      assertThat(ledger.statement(alice, 10).orElseThrow().recent()).hasSize(2);
    }
  }

  @ParameterizedTest
  @MethodSource("dialects")
  void transfer_insufficientCredits_isRefused_andNothingIsWritten(Dialect dialect) {
    try (Store store = audited(dialect)) {
      Ledger ledger = new Ledger(store);
      List<String> a = accounts(ledger, 100, "alice", "bob");
      String alice = a.get(0);
      String bob = a.get(1);
      String id = name("pay");
      assertThat(refusal(ledger.transfer(id, alice, bob, 101))).isEqualTo(LedgerError.INSUFFICIENT_CREDITS);
      assertThat(refusal(ledger.reserve(name("hold"), alice, bob, 101, null))).isEqualTo(LedgerError.INSUFFICIENT_CREDITS);
      assertThat(refusal(ledger.reserveCall(name("call"), alice, 101, null))).isEqualTo(LedgerError.INSUFFICIENT_CREDITS);
      assertThat(ledger.find(id)).isEmpty();
      assertThat(ledger.account(alice).orElseThrow()).isEqualTo(new Account(alice, true, 0, 0, 0, 100));
      assertThat(ledger.account(bob).orElseThrow()).isEqualTo(new Account(bob, true, 0, 0, 0, 100));
      assertThat(ledger.statement(alice, 10).orElseThrow().recent()).hasSize(1);
      // a refused id was not stored: it may be used again
      assertThat(ledger.transfer(id, alice, bob, 100).join().amount()).isEqualTo(100);
      assertThat(available(ledger, alice)).isZero();
    }
  }

  @ParameterizedTest
  @MethodSource("dialects")
  void badInput_isRefusedWithANamedError_andWritesNothing(Dialect dialect) {
    try (Store store = audited(dialect)) {
      Ledger ledger = new Ledger(store);
      List<String> a = accounts(ledger, 10, "alice", "bob");
      String alice = a.get(0);
      String bob = a.get(1);
      assertThat(refusal(ledger.transfer(name("t"), alice, bob, 0))).isEqualTo(LedgerError.INVALID_AMOUNT);
      assertThat(refusal(ledger.transfer(name("t"), alice, bob, -5))).isEqualTo(LedgerError.INVALID_AMOUNT);
      assertThat(refusal(ledger.mint(name("t"), alice, Long.MIN_VALUE))).isEqualTo(LedgerError.INVALID_AMOUNT);
      assertThat(refusal(ledger.mint(name("t"), alice, Long.MAX_VALUE))).as("the mint's debits would overflow").isEqualTo(LedgerError.OVERFLOW);
      assertThat(refusal(ledger.transfer(name("t"), alice, "nobody-" + UUID.randomUUID(), 1))).isEqualTo(LedgerError.UNKNOWN_ACCOUNT);
      assertThat(refusal(ledger.mint(name("t"), "nobody-" + UUID.randomUUID(), 1))).isEqualTo(LedgerError.UNKNOWN_ACCOUNT);
      assertThat(refusal(ledger.transfer(name("t"), alice, alice, 1))).isEqualTo(LedgerError.SAME_ACCOUNT);
      assertThat(refusal(ledger.transfer(name("t"), Ledger.MINT, alice, 1))).isEqualTo(LedgerError.SYSTEM_ACCOUNT);
      assertThat(refusal(ledger.transfer(name("t"), alice, Ledger.CLEARING, 1))).isEqualTo(LedgerError.SYSTEM_ACCOUNT);
      assertThat(refusal(ledger.transfer("call:x", alice, bob, 1))).as("call ids are the call methods'").isEqualTo(LedgerError.INVALID_ID);
      assertThat(refusal(ledger.transfer("", alice, bob, 1))).isEqualTo(LedgerError.INVALID_ID);
      assertThat(refusal(ledger.transfer("has space", alice, bob, 1))).isEqualTo(LedgerError.INVALID_ID);
      assertThat(refusal(ledger.transfer("x".repeat(161), alice, bob, 1))).isEqualTo(LedgerError.INVALID_ID);
      assertThat(refusal(ledger.openAccount("eve'; DROP TABLE easyremote_accounts;--"))).isEqualTo(LedgerError.INVALID_ID);
      assertThat(refusal(ledger.reserveCall("a:settle", alice, 1, null))).as("':' would collide with derived ids").isEqualTo(LedgerError.INVALID_ID);
      assertThat(refusal(ledger.voidPending(name("v"), "call:x"))).isEqualTo(LedgerError.SYSTEM_ACCOUNT);
      assertThat(refusal(ledger.settleCall(name("c"), bob, 1, alice, 10_001))).isEqualTo(LedgerError.INVALID_FEE);
      assertThat(refusal(ledger.settleCall(name("c"), bob, -1, alice, 0))).isEqualTo(LedgerError.INVALID_AMOUNT);
      // quotes and semicolons are fine in a transfer id: they are only ever bound parameters
      String odd = "o'dd;--" + UUID.randomUUID();
      assertThat(ledger.transfer(odd, alice, bob, 1).join().id()).isEqualTo(odd);
      assertThat(ledger.find(odd)).isPresent();
      assertThat(available(ledger, alice)).isEqualTo(9);
      assertThat(ledger.statement(alice, 10).orElseThrow().recent()).hasSize(2);
    }
  }

  @ParameterizedTest
  @MethodSource("dialects")
  void twoPhase_reservePostVoid_followTheRules(Dialect dialect) {
    try (Store store = audited(dialect)) {
      Ledger ledger = new Ledger(store);
      List<String> a = accounts(ledger, 1_000, "alice", "bob");
      String alice = a.get(0);
      String bob = a.get(1);
      String hold = name("hold");
      ledger.reserve(hold, alice, bob, 400, "gw").join();
      assertThat(ledger.account(alice).orElseThrow()).satisfies(x -> {
        assertThat(x.available()).isEqualTo(600);
        assertThat(x.reserved()).isEqualTo(400);
      });
      assertThat(ledger.account(bob).orElseThrow().creditsPending()).isEqualTo(400);
      assertThat(available(ledger, bob)).as("credits pending are not available").isEqualTo(1_000);
      assertThat(refusal(ledger.transfer(name("t"), alice, bob, 601))).isEqualTo(LedgerError.INSUFFICIENT_CREDITS);
      assertThat(refusal(ledger.post(name("p"), hold, 401))).isEqualTo(LedgerError.EXCEEDS_PENDING);

      String post = name("post");
      Transfer posted = ledger.post(post, hold, 250).join();
      assertThat(posted.kind()).isEqualTo(Transfer.Kind.POST);
      assertThat(posted.pendingId()).isEqualTo(hold);
      assertThat(ledger.account(alice).orElseThrow()).isEqualTo(new Account(alice, true, 0, 250, 0, 1_000));
      assertThat(ledger.account(bob).orElseThrow()).isEqualTo(new Account(bob, true, 0, 0, 0, 1_250));
      assertThat(ledger.post(post, hold, 250).join()).as("idempotent").isEqualTo(posted);
      assertThat(refusal(ledger.post(post, hold, 200))).isEqualTo(LedgerError.ALREADY_POSTED);
      assertThat(refusal(ledger.post(name("p"), hold, 10))).isEqualTo(LedgerError.ALREADY_POSTED);
      assertThat(refusal(ledger.voidPending(name("v"), hold))).isEqualTo(LedgerError.ALREADY_POSTED);

      String hold2 = name("hold");
      ledger.reserve(hold2, alice, bob, 700, null).join();
      assertThat(available(ledger, alice)).isEqualTo(50);
      Transfer voided = ledger.voidPending(name("void"), hold2).join();
      assertThat(voided.kind()).isEqualTo(Transfer.Kind.VOID);
      assertThat(voided.amount()).isEqualTo(700);
      assertThat(available(ledger, alice)).isEqualTo(750);
      assertThat(refusal(ledger.post(name("p"), hold2, 1))).isEqualTo(LedgerError.ALREADY_VOIDED);
      assertThat(refusal(ledger.voidPending(name("v"), hold2))).isEqualTo(LedgerError.ALREADY_VOIDED);
      assertThat(refusal(ledger.post(name("p"), "no-such-" + UUID.randomUUID(), 1))).isEqualTo(LedgerError.UNKNOWN_PENDING);
      assertThat(refusal(ledger.post(name("p"), post, 1))).as("a POST is not pending").isEqualTo(LedgerError.UNKNOWN_PENDING);
      assertThat(refusal(ledger.post(name("p"), hold, 0))).isEqualTo(LedgerError.INVALID_AMOUNT);
    }
  }

  @ParameterizedTest
  @MethodSource("dialects")
  void settleCall_postsTheCharge_paysShareAndFee_releasesTheRest_once(Dialect dialect) {
    try (Store store = audited(dialect)) {
      Ledger ledger = new Ledger(store);
      List<String> a = accounts(ledger, 1_000, "caller");
      List<String> b = accounts(ledger, 0, "owner", "operator");
      String caller = a.get(0);
      String owner = b.get(0);
      String operator = b.get(1);
      String call = name("call");
      Transfer reserved = ledger.reserveCall(call, caller, 300, "gw-1").join();
      assertThat(reserved.id()).isEqualTo(Ledger.callReservationId(call));
      assertThat(ledger.reserveCall(call, caller, 300, "gw-1").join()).as("a retried dispatch").isEqualTo(reserved);
      assertThat(refusal(ledger.reserveCall(call, caller, 301, "gw-1"))).isEqualTo(LedgerError.ID_REUSED);
      assertThat(available(ledger, caller)).isEqualTo(700);

      assertThat(refusal(ledger.settleCall(call, "nobody-" + UUID.randomUUID(), 120, operator, 500)))
          .isEqualTo(LedgerError.UNKNOWN_ACCOUNT);
      assertThat(refusal(ledger.settleCall(call, owner, 301, operator, 500))).isEqualTo(LedgerError.EXCEEDS_PENDING);
      assertThat(available(ledger, caller)).as("refusals wrote nothing").isEqualTo(700);

      Ledger.Settlement s = ledger.settleCall(call, owner, 120, operator, 500).join();
      assertThat(s.fee()).isEqualTo(6);
      assertThat(s.share()).isEqualTo(114);
      assertThat(s.released()).isEqualTo(180);
      assertThat(s.transfers()).extracting(Transfer::kind)
          .containsExactly(Transfer.Kind.POST, Transfer.Kind.TRANSFER, Transfer.Kind.TRANSFER);
      assertThat(ledger.account(caller).orElseThrow()).isEqualTo(new Account(caller, true, 0, 120, 0, 1_000));
      assertThat(available(ledger, owner)).isEqualTo(114);
      assertThat(available(ledger, operator)).isEqualTo(6);
      assertThat(ledger.account(Ledger.CLEARING).orElseThrow().posted()).isZero();

      assertThat(ledger.settleCall(call, owner, 120, operator, 500).join()).as("a repeated settlement").isEqualTo(s);
      assertThat(refusal(ledger.settleCall(call, owner, 100, operator, 500))).isEqualTo(LedgerError.ALREADY_POSTED);
      assertThat(refusal(ledger.settleCall(call, operator, 120, owner, 500))).isEqualTo(LedgerError.ALREADY_POSTED);
      assertThat(refusal(ledger.settleCall(call, owner, 0, operator, 500))).isEqualTo(LedgerError.ALREADY_POSTED);
      assertThat(refusal(ledger.voidCall(call))).isEqualTo(LedgerError.ALREADY_POSTED);
      assertThat(refusal(ledger.settleCall(name("never"), owner, 1, operator, 0))).isEqualTo(LedgerError.UNKNOWN_PENDING);
      assertThat(ledger.statement(caller, 10).orElseThrow().spent()).isEqualTo(120);
      assertThat(ledger.statement(owner, 10).orElseThrow().earned()).isEqualTo(114);

      String free = name("call");
      ledger.reserveCall(free, caller, 50, null).join();
      Ledger.Settlement nothing = ledger.settleCall(free, owner, 0, operator, 500).join();
      assertThat(nothing.transfers()).singleElement().extracting(Transfer::kind).isEqualTo(Transfer.Kind.VOID);
      assertThat(ledger.voidCall(free).join()).as("the same void").isEqualTo(nothing.transfers().get(0));
      assertThat(refusal(ledger.settleCall(free, owner, 10, operator, 500))).isEqualTo(LedgerError.ALREADY_VOIDED);
      assertThat(available(ledger, caller)).isEqualTo(880);

      String own = name("call"); // calling one's own node, with the whole charge as fee
      ledger.reserveCall(own, caller, 10, null).join();
      Ledger.Settlement self = ledger.settleCall(own, caller, 10, operator, 10_000).join();
      assertThat(self.share()).isZero();
      assertThat(self.transfers()).hasSize(2);
      assertThat(available(ledger, caller)).isEqualTo(870);
    }
  }

  @ParameterizedTest
  @MethodSource("dialects")
  void chargeCall_postsTheShareAndFeeFromTheCaller_once_andARefusalWritesNothing(Dialect dialect) {
    try (Store store = audited(dialect)) {
      Ledger ledger = new Ledger(store);
      String caller = accounts(ledger, 1_000, "caller").get(0);
      List<String> b = accounts(ledger, 0, "owner", "operator");
      String owner = b.get(0);
      String operator = b.get(1);
      String gw = name("gw");
      String call = name("call");
      Ledger.Settlement s = ledger.chargeCall(call, caller, 300, gw, owner, 120, operator, 500).join();
      assertThat(s.reserved()).isEqualTo(300);
      assertThat(s.share()).isEqualTo(114);
      assertThat(s.fee()).isEqualTo(6);
      assertThat(ledger.find(Ledger.callReservationId(call))).as("no reservation: it was held in memory").isEmpty();
      assertThat(s.transfers()).extracting(Transfer::kind, Transfer::debitAccount, Transfer::creditAccount, Transfer::amount)
          .containsExactly(tuple(Transfer.Kind.TRANSFER, caller, owner, 114L), tuple(Transfer.Kind.TRANSFER, caller, operator, 6L));
      assertThat(ledger.account(caller).orElseThrow()).isEqualTo(new Account(caller, true, 0, 120, 0, 1_000));
      assertThat(ledger.account(Ledger.CLEARING).orElseThrow().posted()).isZero();
      assertThat(ledger.openPendings(gw, Instant.now().plusSeconds(60), 10)).as("nothing left open").isEmpty();
      assertThat(ledger.chargeCall(call, caller, 300, gw, owner, 120, operator, 500).join()).as("a repeat").isEqualTo(s);
      assertThat(refusal(ledger.chargeCall(call, caller, 300, gw, owner, 100, operator, 500))).isEqualTo(LedgerError.ALREADY_POSTED);
      assertThat(refusal(ledger.chargeCall(call, caller, 300, gw, operator, 120, operator, 500))).isEqualTo(LedgerError.ALREADY_POSTED);
      ledger.reserveCall(call, caller, 300, gw).join(); // a squatter's reservation under the charged call's id
      assertThat(refusal(ledger.settleCall(call, owner, 120, operator, 500))).as("never charged twice").isEqualTo(LedgerError.ALREADY_POSTED);
      assertThat(ledger.voidCall(call).join().kind()).isEqualTo(Transfer.Kind.VOID);
      assertThat(ledger.account(caller).orElseThrow()).as("charged once").isEqualTo(new Account(caller, true, 0, 120, 0, 1_000));

      String reservedFirst = name("call"); // reserved earlier (a long call), charged in one request: the same reservation
      ledger.reserveCall(reservedFirst, caller, 50, gw).join();
      assertThat(ledger.chargeCall(reservedFirst, caller, 50, gw, owner, 10, operator, 0).join().released()).isEqualTo(40);

      String broke = name("call");
      assertThat(refusal(ledger.chargeCall(broke, caller, 871, null, owner, 1, operator, 0))).isEqualTo(LedgerError.INSUFFICIENT_CREDITS);
      String badOwner = name("call"); // the reservation would pass; the settlement is refused: neither is written
      CompletableFuture<Ledger.Settlement> refused = ledger.chargeCall(badOwner, caller, 10, null, "nobody-" + UUID.randomUUID(), 5,
          operator, 0);
      CompletableFuture<Ledger.Settlement> exceeds = ledger.chargeCall(name("call"), caller, 10, null, owner, 11, operator, 0);
      CompletableFuture<Transfer> after = ledger.reserveCall(name("call"), caller, 870, gw); // queued with them: sees no trace
      assertThat(refusal(refused)).isEqualTo(LedgerError.UNKNOWN_ACCOUNT);
      assertThat(refusal(exceeds)).isEqualTo(LedgerError.EXCEEDS_PENDING);
      assertThat(after.join().amount()).isEqualTo(870);
      assertThat(ledger.find(Ledger.callReservationId(broke))).isEmpty();
      assertThat(ledger.find(Ledger.callReservationId(badOwner))).isEmpty();
      assertThat(ledger.openPendings(gw, Instant.now().plusSeconds(60), 10)).singleElement().extracting(Transfer::amount).isEqualTo(870L);
      assertThat(ledger.voidDangling(gw, Instant.now().plusSeconds(60)).join()).hasSize(1);
      assertThat(available(ledger, caller)).isEqualTo(870);
    }
  }

  @ParameterizedTest
  @MethodSource("dialects")
  void chargeCall_callsOfOneBatch_shareOneTransferPerPairOfAccounts_eachItemizedOnce(Dialect dialect) throws Exception {
    try (Store store = audited(dialect)) {
      Ledger ledger = new Ledger(store);
      List<String> callers = accounts(ledger, 1_000, "caller", "caller");
      List<String> b = accounts(ledger, 0, "owner", "operator");
      String owner = b.get(0);
      String operator = b.get(1);
      String gw = name("gw");
      CountDownLatch writerHeld = new CountDownLatch(1);
      CompletableFuture<Integer> hold = holdWriter(store, writerHeld); // every charge below is queued for one batch
      List<String> calls = new ArrayList<>();
      List<CompletableFuture<Ledger.Settlement>> charged = new ArrayList<>();
      for (int i = 0; i < 20; i++) { // 10 calls of each caller, 50 each with a 5 % fee: 48 to the owner, 2 to the operator
        String call = name("call");
        calls.add(call);
        charged.add(ledger.chargeCall(call, callers.get(i % 2), 100, gw, owner, 50, operator, 500));
      }
      CompletableFuture<Ledger.Settlement> repeat = ledger.chargeCall(calls.get(0), callers.get(0), 100, gw, owner, 50, operator, 500);
      CompletableFuture<Ledger.Settlement> otherwise = ledger.chargeCall(calls.get(1), callers.get(1), 100, gw, owner, 49, operator, 500);
      CompletableFuture<Ledger.Settlement> broke = ledger.chargeCall(name("call"), callers.get(0), 1_000, gw, owner, 1, operator, 500);
      CompletableFuture<Ledger.Settlement> unknown = ledger.chargeCall(name("call"), callers.get(0), 1, gw, "nobody-" + UUID.randomUUID(),
          1, operator, 500);
      writerHeld.countDown();
      hold.join();

      List<Ledger.Settlement> settlements = charged.stream().map(CompletableFuture::join).toList();
      assertThat(repeat.join()).as("a repeat in the same batch: the first charge").isEqualTo(settlements.get(0));
      assertThat(refusal(otherwise)).isEqualTo(LedgerError.ALREADY_POSTED);
      assertThat(refusal(broke)).as("550 spent of 1,000: 1,000 more cannot be covered").isEqualTo(LedgerError.INSUFFICIENT_CREDITS);
      assertThat(refusal(unknown)).isEqualTo(LedgerError.UNKNOWN_ACCOUNT);
      for (int c = 0; c < 2; c++) {
        Ledger.Settlement first = settlements.get(c);
        assertThat(first.transfers()).as("the batch's transfers from caller %d", c)
            .extracting(Transfer::debitAccount, Transfer::creditAccount, Transfer::amount, Transfer::code)
            .containsExactly(tuple(callers.get(c), owner, 480L, "share"), tuple(callers.get(c), operator, 20L, "fee"));
        for (int i = c; i < 20; i += 2) {
          assertThat(settlements.get(i).transfers()).as("call %d: the same transfers as its caller's other calls", i)
              .isEqualTo(first.transfers());
        }
        assertThat(ledger.account(callers.get(c)).orElseThrow()).isEqualTo(new Account(callers.get(c), true, 0, 500, 0, 1_000));
      }
      assertThat(available(ledger, owner)).isEqualTo(960);
      assertThat(available(ledger, operator)).isEqualTo(40);
      for (int i = 0; i < 20; i++) {
        CallCharge row = ledger.callCharge(calls.get(i)).orElseThrow();
        assertThat(row).extracting(CallCharge::caller, CallCharge::nodeOwner, CallCharge::operator, CallCharge::charge, CallCharge::fee,
            CallCharge::shareTransfer, CallCharge::feeTransfer).containsExactly(callers.get(i % 2), owner, operator, 50L, 2L,
                settlements.get(i).transfers().get(0).id(), settlements.get(i).transfers().get(1).id());
      }
      assertThat(ledger.statement(owner, 10).orElseThrow().recent()).as("the owner's statement: one transfer per caller")
          .hasSize(2).allSatisfy(t -> assertThat(t.id()).startsWith("charges:"));
      assertThat(ledger.chargeCall(calls.get(3), callers.get(1), 100, gw, owner, 50, operator, 500).join())
          .as("a repeat in a later batch: the first charge, its transfers read back").isEqualTo(settlements.get(3));
      assertThat(refusal(ledger.transfer("charges:mine", callers.get(0), owner, 1))).as("batched ids are the ledger's")
          .isEqualTo(LedgerError.INVALID_ID);
    }
  }

  @ParameterizedTest
  @MethodSource("dialects")
  void tallyCall_callsOfOneBatch_shareOneTalliedTransferPerPairOfAccounts_andARefusalWritesNothing(Dialect dialect) throws Exception {
    try (Store store = audited(dialect)) {
      Ledger ledger = new Ledger(store, new TestClock()); // the clock stands still: the running tallies close when asked
      List<String> callers = accounts(ledger, 1_000, "caller", "caller");
      List<String> b = accounts(ledger, 0, "owner", "operator");
      String owner = b.get(0);
      String operator = b.get(1);
      String gw = name("gw");
      CountDownLatch writerHeld = new CountDownLatch(1);
      CompletableFuture<Integer> hold = holdWriter(store, writerHeld); // every charge below is queued for one batch
      List<CompletableFuture<Void>> charged = new ArrayList<>();
      for (int i = 0; i < 20; i++) { // 10 calls of each caller, 50 each with a 5 % fee: 48 to the owner, 2 to the operator
        charged.add(ledger.tallyCall(callers.get(i % 2), 100, gw, owner, 50, operator, 500));
      }
      CompletableFuture<Void> free = ledger.tallyCall(callers.get(0), 100, gw, owner, 0, operator, 500);
      CompletableFuture<Void> broke = ledger.tallyCall(callers.get(0), 1_000, gw, owner, 1, operator, 500);
      CompletableFuture<Void> unknown = ledger.tallyCall(callers.get(0), 1, gw, "nobody-" + UUID.randomUUID(), 1, operator, 500);
      CompletableFuture<Transfer> reservedAfter = ledger.reserveCall(name("call"), callers.get(1), 400, gw); // in the same batch
      CompletableFuture<Void> overdrawn = ledger.tallyCall(callers.get(1), 101, gw, owner, 1, operator, 500); // 500 spent, 400 reserved
      writerHeld.countDown();
      hold.join();

      charged.forEach(CompletableFuture::join);
      free.join();
      assertThat(refusal(broke)).as("500 spent of 1,000: 1,000 more cannot be covered").isEqualTo(LedgerError.INSUFFICIENT_CREDITS);
      assertThat(refusal(unknown)).isEqualTo(LedgerError.UNKNOWN_ACCOUNT);
      assertThat(reservedAfter.join().amount()).isEqualTo(400);
      assertThat(refusal(overdrawn)).as("tallied calls run after the batch's requests, and see them").isEqualTo(LedgerError.INSUFFICIENT_CREDITS);
      assertThat(ledger.account(callers.get(0)).orElseThrow()).isEqualTo(new Account(callers.get(0), true, 0, 500, 0, 1_000));
      assertThat(ledger.account(callers.get(1)).orElseThrow()).isEqualTo(new Account(callers.get(1), true, 400, 500, 0, 1_000));
      assertThat(available(ledger, owner)).isEqualTo(960);
      assertThat(available(ledger, operator)).isEqualTo(40);
      assertThat(runningTallies(store, gw)).as("the batch's sums run until the tallies close")
          .containsExactlyInAnyOrder(tuple(callers.get(0), owner, "share", 480L), tuple(callers.get(0), operator, "fee", 20L),
              tuple(callers.get(1), owner, "share", 480L), tuple(callers.get(1), operator, "fee", 20L));
      assertThat(ledger.statement(callers.get(0), 10).orElseThrow().recent()).noneMatch(t -> t.id().startsWith("tally:"));
      assertThat(ledger.audit().problems()).as("the audit counts running tallies").isEmpty();
      ledger.closeTallies().join();
      assertThat(runningTallies(store, gw)).isEmpty();
      for (String caller : callers) {
        assertThat(ledger.statement(caller, 10).orElseThrow().recent()).as("%s's statement", caller)
            .filteredOn(t -> t.id().startsWith("tally:"))
            .extracting(Transfer::kind, Transfer::creditAccount, Transfer::amount, Transfer::code, Transfer::tag)
            .containsExactlyInAnyOrder(tuple(Transfer.Kind.TRANSFER, owner, 480L, "share", gw),
                tuple(Transfer.Kind.TRANSFER, operator, 20L, "fee", gw));
      }
      assertThat(refusal(ledger.tallyCall(callers.get(0), 10, gw, owner, 11, operator, 0))).isEqualTo(LedgerError.EXCEEDS_PENDING);
      assertThat(refusal(ledger.tallyCall(callers.get(0), 10, gw, owner, -1, operator, 0))).isEqualTo(LedgerError.INVALID_AMOUNT);
      assertThat(refusal(ledger.tallyCall(callers.get(0), 10, gw, owner, 1, operator, 10_001))).isEqualTo(LedgerError.INVALID_FEE);
      assertThat(refusal(ledger.tallyCall(Ledger.MINT, 10, gw, owner, 1, operator, 0))).as("the mint pays no one")
          .isEqualTo(LedgerError.SYSTEM_ACCOUNT);
      assertThat(refusal(ledger.transfer("tally:mine", callers.get(0), owner, 1))).as("tallied ids are the ledger's")
          .isEqualTo(LedgerError.INVALID_ID);
      ledger.tallyCall(callers.get(0), 500, gw, owner, 500, owner, 10_000).join(); // the owner is the operator: all of it as the fee
      assertThat(available(ledger, owner)).isEqualTo(1_460);
      assertThat(ledger.account(callers.get(0)).orElseThrow().available()).isZero();
    }
  }

  /**
   * Charges 64 tallied calls of 1 credit in one batch (queued behind a held writer), enough for the
   * next batch to be paced; returns a time before that batch started.
   */
  private static long chargeOneLargeBatch(Store store, Ledger ledger, String caller, String tag, String owner) {
    CountDownLatch writerHeld = new CountDownLatch(1);
    CompletableFuture<Integer> hold = holdWriter(store, writerHeld);
    List<CompletableFuture<Void>> large = new ArrayList<>();
    for (int i = 0; i < 64; i++) {
      large.add(ledger.tallyCall(caller, 1, tag, owner, 1, owner, 0));
    }
    long released = System.nanoTime();
    writerHeld.countDown();
    hold.join();
    large.forEach(CompletableFuture::join);
    return released;
  }

  /**
   * Pacing, observed with a pace of 400 ms: after a batch of 64 calls the next batch starts no
   * sooner than the pace after it; after a small batch nothing waits.
   */
  @ParameterizedTest
  @MethodSource("dialects")
  void underLoad_theBatchAfterALargeOneWaitsForThePace_afterASmallOneNothingWaits(Dialect dialect) {
    long pace = TimeUnit.MILLISECONDS.toNanos(400);
    try (Store store = audited(dialect)) {
      Ledger ledger = new Ledger(store, Clock.systemUTC(), pace);
      String caller = accounts(ledger, 1_000, "caller").get(0);
      String owner = accounts(ledger, 0, "owner").get(0);
      String gw = name("gw");
      long released = chargeOneLargeBatch(store, ledger, caller, gw, owner); // the large batch started after this
      assertThat(ledger.pacing().batches()).as("the first batch follows none").isZero();

      ledger.tallyCall(caller, 1, gw, owner, 1, owner, 0).join();
      assertThat(System.nanoTime() - released).as("the batch after 64 calls starts a pace after them").isGreaterThanOrEqualTo(pace);
      assertThat(ledger.pacing().batches()).isEqualTo(1);
      assertThat(ledger.pacing().waitedNanos()).isPositive().isLessThanOrEqualTo(pace);

      long submitted = System.nanoTime();
      ledger.tallyCall(caller, 1, gw, owner, 1, owner, 0).join();
      assertThat(System.nanoTime() - submitted).as("after a batch of one call nothing waits").isLessThan(pace);
      assertThat(ledger.pacing().batches()).isEqualTo(1);
      ledger.closeTallies().join();
      assertThat(available(ledger, caller)).isEqualTo(1_000 - 66);
    }
  }

  /** A store that closes while a batch waits for its pace still writes that batch before it stops. */
  @ParameterizedTest
  @MethodSource("dialects")
  void aStoreClosingWhileABatchWaitsForThePace_stillWritesIt(Dialect dialect) {
    long pace = TimeUnit.MILLISECONDS.toNanos(400);
    String caller;
    CompletableFuture<Void> paced;
    long closing;
    try (Store store = audited(dialect)) {
      Ledger ledger = new Ledger(store, Clock.systemUTC(), pace);
      caller = accounts(ledger, 1_000, "caller").get(0);
      String owner = accounts(ledger, 0, "owner").get(0);
      String gw = name("gw");
      chargeOneLargeBatch(store, ledger, caller, gw, owner);
      paced = ledger.tallyCall(caller, 1, gw, owner, 1, owner, 0);
      closing = System.nanoTime();
    } // closes the store while the batch waits
    assertThat(System.nanoTime() - closing).as("the close waited for the paced batch").isGreaterThan(pace / 4);
    assertThat(paced).isCompleted();
    paced.join(); // committed, not failed
    try (Store store = open(dialect)) {
      assertThat(available(new Ledger(store), caller)).isEqualTo(1_000 - 65);
    }
  }

  @ParameterizedTest
  @MethodSource("dialects")
  void tallyCall_runningTallies_becomeTransfersWithinASecond_withoutAnotherCall(Dialect dialect) {
    try (Store store = audited(dialect)) {
      Ledger ledger = new Ledger(store);
      String caller = accounts(ledger, 1_000, "caller").get(0);
      String owner = accounts(ledger, 0, "owner").get(0);
      String gw = name("gw");
      ledger.tallyCall(caller, 10, gw, owner, 10, owner, 0).join();
      ledger.tallyCall(caller, 10, gw, owner, 7, owner, 0).join();
      await().atMost(Duration.ofMillis(Ledger.TALLY_OPEN_MILLIS * 10)).untilAsserted(() -> {
        assertThat(runningTallies(store, gw)).isEmpty();
        assertThat(ledger.statement(caller, 10).orElseThrow().recent()).filteredOn(t -> t.id().startsWith("tally:"))
            .extracting(Transfer::creditAccount, Transfer::code).containsOnly(tuple(owner, "share"));
      });
      List<Long> amounts = ledger.statement(caller, 10).orElseThrow().recent().stream().filter(t -> t.id().startsWith("tally:"))
          .map(Transfer::amount).sorted().toList();
      assertThat(amounts).as("one transfer for both, or one each").isIn(List.of(17L), List.of(7L, 10L));
    }
  }

  @ParameterizedTest
  @MethodSource("dialects")
  void tallyCall_runningTalliesLeftByALedgerThatStopped_areClosedByTheNextRun_andStaleOnesOfOtherTagsToo(Dialect dialect) {
    TestClock clock = new TestClock();
    String gw = name("gw");
    String gone = name("gw");
    String caller;
    String owner;
    try (Store store = audited(dialect)) { // stops without closing its tallies, as a killed gateway would
      Ledger ledger = new Ledger(store, clock);
      caller = accounts(ledger, 1_000, "caller").get(0);
      owner = accounts(ledger, 0, "owner").get(0);
      ledger.tallyCall(caller, 10, gw, owner, 10, owner, 0).join();
      ledger.tallyCall(caller, 10, gone, owner, 3, owner, 0).join();
      assertThat(runningTallies(store, gw)).containsExactly(tuple(caller, owner, "share", 10L));
    }
    clock.now = clock.now.plusSeconds(30);
    try (Store store = open(dialect)) {
      Ledger ledger = new Ledger(store, clock);
      assertThat(ledger.audit().problems()).as("what the stopped run left is counted").isEmpty();
      ledger.tallyCall(caller, 10, gw, owner, 5, owner, 0).join();
      ledger.closeTallies().join();
      assertThat(runningTallies(store, gw)).isEmpty();
      assertThat(runningTallies(store, gone)).as("30 s old: its gateway may still be running").hasSize(1);
      clock.now = clock.now.plusSeconds(31);
      ledger.closeTallies().join();
      assertThat(runningTallies(store, gone)).as("over a minute old: no live gateway keeps one that long").isEmpty();
      assertThat(ledger.statement(caller, 10).orElseThrow().recent()).filteredOn(t -> t.id().startsWith("tally:"))
          .extracting(Transfer::tag, Transfer::amount).containsExactlyInAnyOrder(tuple(gw, 15L), tuple(gone, 3L));
      assertThat(available(ledger, owner)).isEqualTo(18);
    }
  }

  @ParameterizedTest
  @MethodSource("dialects")
  void tallyCall_withMoreTagsThanACloseNames_closesEveryRunningTally(Dialect dialect) {
    try (Store store = audited(dialect)) {
      Ledger ledger = new Ledger(store, new TestClock());
      String caller = accounts(ledger, 1_000, "caller").get(0);
      String owner = accounts(ledger, 0, "owner").get(0);
      List<String> tags = new ArrayList<>();
      List<CompletableFuture<Void>> charged = new ArrayList<>();
      for (int i = 0; i < 65; i++) { // one more than a close lists
        tags.add(name("tag"));
        charged.add(ledger.tallyCall(caller, 1, tags.get(i), owner, 1, owner, 0));
      }
      charged.forEach(CompletableFuture::join);
      assertThat(tags).allSatisfy(tag -> assertThat(runningTallies(store, tag)).hasSize(1));
      ledger.closeTallies().join();
      assertThat(tags).allSatisfy(tag -> assertThat(runningTallies(store, tag)).isEmpty());
      assertThat(ledger.statement(caller, 100).orElseThrow().recent()).filteredOn(t -> t.id().startsWith("tally:")).hasSize(65);
    }
  }

  /** The running tallies of {@code tag}: debit account, credit account, code, sum. */
  private static List<org.assertj.core.groups.Tuple> runningTallies(Store store, String tag) {
    return store.read(c -> {
      List<org.assertj.core.groups.Tuple> rows = new ArrayList<>();
      try (var s = c.prepareStatement("SELECT debit_account, credit_account, code, amount FROM easyremote_open_tallies WHERE tag = ?")) {
        s.setString(1, tag);
        try (var r = s.executeQuery()) {
          while (r.next()) {
            rows.add(tuple(r.getString(1), r.getString(2), r.getString(3), r.getLong(4)));
          }
        }
      }
      return rows;
    });
  }

  @ParameterizedTest
  @MethodSource("dialects")
  void audit_aBatchedTransferThatIsNotTheSumOfItsCalls_isReported(Dialect dialect) {
    try (Store store = audited(dialect)) {
      Ledger ledger = new Ledger(store);
      String caller = accounts(ledger, 100, "caller").get(0);
      String owner = accounts(ledger, 0, "owner").get(0);
      String call = name("call");
      ledger.chargeCall(call, caller, 10, null, owner, 10, owner, 0).join();
      update(store, "UPDATE easyremote_call_charges SET charge = 9 WHERE call_id = ?", call);
      try {
        assertThat(ledger.audit().problems()).singleElement().asString().contains("batched transfer").contains("add up to 9");
      } finally {
        update(store, "UPDATE easyremote_call_charges SET charge = 10 WHERE call_id = ?", call);
      }
      assertThat(ledger.audit().consistent()).isTrue();
    }
  }

  @ParameterizedTest
  @MethodSource("dialects")
  void audit_aBalanceChangedBehindTheLedgersBack_isReported_andTheDatabaseRefusesAnOverdraft(Dialect dialect) {
    try (Store store = audited(dialect)) {
      Ledger ledger = new Ledger(store);
      String alice = accounts(ledger, 100, "alice").get(0);
      update(store, "UPDATE easyremote_accounts SET credits_posted = credits_posted + 50 WHERE id = ?", alice);
      try {
        assertThat(ledger.audit().problems())
            .anySatisfy(p -> assertThat(p).contains(alice).contains("its transfers add up to"))
            .anySatisfy(p -> assertThat(p).startsWith("not conserved"));
      } finally {
        update(store, "UPDATE easyremote_accounts SET credits_posted = credits_posted - 50 WHERE id = ?", alice);
      }
      assertThat(ledger.audit().consistent()).isTrue();
      // below the ledger's own checks, the schema itself refuses a negative balance
      org.assertj.core.api.Assertions.assertThatThrownBy(() -> update(store, "UPDATE easyremote_accounts SET debits_posted = 101 WHERE id = ?",
          alice)).isInstanceOf(StoreException.class);
      assertThat(available(ledger, alice)).isEqualTo(100);
    }
  }

  @ParameterizedTest
  @MethodSource("dialects")
  void requestsQueuedTogether_seeEachOther_andARefusalBetweenThemLeavesNoTrace(Dialect dialect) {
    try (Store store = audited(dialect)) {
      Ledger ledger = new Ledger(store);
      String caller = accounts(ledger, 100, "caller").get(0);
      String owner = accounts(ledger, 0, "owner").get(0);
      String call = name("call");
      String greedy = name("call");
      // queued without waiting: they usually share one batch, and must act as if run one by one
      CompletableFuture<Transfer> reserve = ledger.reserveCall(call, caller, 60, null);
      CompletableFuture<Transfer> tooMuch = ledger.reserveCall(greedy, caller, 41, null);
      CompletableFuture<Transfer> huge = ledger.transfer(name("t"), caller, owner, Long.MAX_VALUE);
      CompletableFuture<Ledger.Settlement> settle = ledger.settleCall(call, owner, 25, owner, 0);
      CompletableFuture<Transfer> after = ledger.reserveCall(greedy, caller, 75, null);
      assertThat(reserve.join().amount()).isEqualTo(60);
      assertThat(refusal(tooMuch)).isEqualTo(LedgerError.INSUFFICIENT_CREDITS);
      assertThat(refusal(huge)).isEqualTo(LedgerError.INSUFFICIENT_CREDITS);
      assertThat(settle.join().released()).isEqualTo(35);
      assertThat(after.join().amount()).as("the release is visible to the next request").isEqualTo(75);
      assertThat(ledger.account(caller).orElseThrow()).isEqualTo(new Account(caller, true, 75, 25, 0, 100));
      assertThat(ledger.voidCall(greedy).join().amount()).isEqualTo(75);
    }
  }

  @Test
  void fee_roundsDown_andNeverOverflows() {
    assertThat(Ledger.fee(120, 500)).isEqualTo(6);
    assertThat(Ledger.fee(199, 500)).isEqualTo(9);
    assertThat(Ledger.fee(1, 9_999)).isZero();
    assertThat(Ledger.fee(Long.MAX_VALUE, 10_000)).isEqualTo(Long.MAX_VALUE);
    assertThat(Ledger.fee(Long.MAX_VALUE, 5_000)).isEqualTo(Long.MAX_VALUE / 2);
    assertThat(Ledger.fee(12_345, 0)).isZero();
  }

  /**
   * 16 threads reserve, settle and void against one caller with room for 142 reservations of 7.
   * On PostgreSQL they use two stores (two gateways sharing the database), so the row locks, not
   * the single writer, keep the balance from going negative.
   */
  @ParameterizedTest
  @MethodSource("dialects")
  void concurrentReserves_from16Threads_neverOverdraw(Dialect dialect) throws Exception {
    try (Store first = audited(dialect); Store second = dialect == Dialect.POSTGRESQL ? audited(dialect) : first) {
      Ledger[] ledgers = {new Ledger(first), new Ledger(second)};
      String caller = accounts(ledgers[0], 1_000, "caller").get(0);
      List<String> owners = accounts(ledgers[0], 0, "owner-a", "owner-b", "operator");
      AtomicInteger reservedCount = new AtomicInteger();
      AtomicInteger refused = new AtomicInteger();
      AtomicLong charged = new AtomicLong();
      AtomicLong lowest = new AtomicLong(Long.MAX_VALUE);
      Set<LedgerError> errors = ConcurrentHashMap.newKeySet();
      ExecutorService pool = Executors.newFixedThreadPool(16);
      CountDownLatch go = new CountDownLatch(1);
      List<Future<?>> workers = new ArrayList<>();
      String run = name("run");
      for (int t = 0; t < 16; t++) {
        int thread = t;
        workers.add(pool.submit(() -> {
          go.await();
          Ledger ledger = ledgers[thread % 2];
          for (int i = 0; i < 20; i++) {
            String call = run + "-" + thread + "-" + i;
            try {
              ledger.reserveCall(call, caller, 7, run).join();
              reservedCount.incrementAndGet();
            } catch (CompletionException e) {
              errors.add(((LedgerException) e.getCause()).error());
              refused.incrementAndGet();
              continue;
            }
            lowest.accumulateAndGet(available(ledger, caller), Math::min);
            if (i % 3 == 0) { // some calls never ran; the rest are charged 0..7
              ledger.voidCall(call).join();
            } else if (i % 3 == 1) {
              charged.addAndGet(ledger.settleCall(call, owners.get(i % 2), i % 8, owners.get(2), 1_000).join().charge());
            }
          }
          return null;
        }));
      }
      go.countDown();
      for (Future<?> w : workers) {
        w.get(120, TimeUnit.SECONDS);
      }
      pool.shutdown();
      assertThat(errors).containsOnly(LedgerError.INSUFFICIENT_CREDITS);
      assertThat(reservedCount.get() + refused.get()).isEqualTo(320);
      assertThat(lowest.get()).as("never negative").isGreaterThanOrEqualTo(0);
      Account after = ledgers[0].account(caller).orElseThrow();
      assertThat(after.available()).isGreaterThanOrEqualTo(0);
      assertThat(after.debitsPosted()).isEqualTo(charged.get());
      assertThat(ledgers[0].openPendings(run, Instant.now().plusSeconds(60), 1_000)).hasSize((int) (after.debitsPending() / 7));
      assertThat(ledgers[1].voidDangling(run, Instant.now().plusSeconds(60)).join()).hasSize((int) (after.debitsPending() / 7));
      assertThat(available(ledgers[0], caller)).isEqualTo(1_000 - charged.get());
    }
  }

  /** A clock the test moves. */
  private static final class TestClock extends Clock {
    volatile Instant now = Instant.parse("2030-01-01T00:00:00Z");

    @Override
    public java.time.ZoneId getZone() {
      return ZoneOffset.UTC;
    }

    @Override
    public Clock withZone(java.time.ZoneId zone) {
      return this;
    }

    @Override
    public Instant instant() {
      return now;
    }
  }

  @ParameterizedTest
  @MethodSource("dialects")
  void restart_keepsEverything_andVoidDanglingReleasesWhatWasLeftReserved(Dialect dialect) {
    TestClock clock = new TestClock();
    String gw = name("gw");
    String other = name("gw");
    String caller;
    String owner;
    List<String> calls = List.of(name("c"), name("c"), name("c"), name("c"));
    try (Store store = audited(dialect)) {
      Ledger ledger = new Ledger(store, clock);
      caller = accounts(ledger, 1_000, "caller").get(0);
      owner = accounts(ledger, 0, "owner").get(0);
      for (String call : calls.subList(0, 3)) {
        clock.now = clock.now.plusMillis(1);
        ledger.reserveCall(call, caller, 100, gw).join();
      }
      ledger.reserveCall(calls.get(3), caller, 100, other).join();
      ledger.settleCall(calls.get(0), owner, 40, owner, 0).join();
      clock.now = clock.now.plusSeconds(60);
    } // the gateway stops with three calls reserved
    try (Store store = audited(dialect)) {
      Ledger ledger = new Ledger(store, clock);
      assertThat(ledger.account(caller).orElseThrow()).isEqualTo(new Account(caller, true, 300, 40, 0, 1_000));
      assertThat(available(ledger, owner)).isEqualTo(40);
      Instant restarted = clock.now;
      String late = name("c");
      clock.now = clock.now.plusSeconds(1);
      ledger.reserveCall(late, caller, 100, gw).join(); // made after the restart: not dangling
      assertThat(ledger.openPendings(gw, restarted, 100)).extracting(Transfer::id)
          .containsExactly(Ledger.callReservationId(calls.get(1)), Ledger.callReservationId(calls.get(2)));

      List<Transfer> voided = ledger.voidDangling(gw, restarted).join();
      assertThat(voided).extracting(Transfer::pendingId)
          .containsExactly(Ledger.callReservationId(calls.get(1)), Ledger.callReservationId(calls.get(2)));
      assertThat(voided).allSatisfy(v -> assertThat(v.kind()).isEqualTo(Transfer.Kind.VOID));
      assertThat(ledger.openPendings(gw, restarted, 100)).isEmpty();
      assertThat(ledger.voidDangling(gw, restarted).join()).as("nothing left").isEmpty();
      assertThat(refusal(ledger.settleCall(calls.get(1), owner, 10, owner, 0))).as("a late result").isEqualTo(LedgerError.ALREADY_VOIDED);
      assertThat(ledger.voidCall(calls.get(2)).join()).as("the same void").isEqualTo(voided.get(1));
      assertThat(ledger.openPendings(other, restarted, 100)).as("another gateway's reservation stays").hasSize(1);
      assertThat(ledger.account(caller).orElseThrow().reserved()).isEqualTo(200);

      assertThat(ledger.voidDangling(null, clock.now.plusSeconds(1)).join()).extracting(Transfer::pendingId)
          .contains(Ledger.callReservationId(calls.get(3)), Ledger.callReservationId(late));
      assertThat(ledger.account(caller).orElseThrow()).isEqualTo(new Account(caller, true, 0, 40, 0, 1_000));
    }
  }
}
