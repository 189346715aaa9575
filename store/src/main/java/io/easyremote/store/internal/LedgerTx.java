package io.easyremote.store.internal;

import io.easyremote.store.Account;
import io.easyremote.store.CallCharge;
import io.easyremote.store.Transfer;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Types;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.Collections;
import java.util.Comparator;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeSet;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.BiFunction;

/**
 * A batch of ledger requests on one connection, inside one transaction of the group commit: the
 * transfers and accounts they need are read (and, on PostgreSQL, the accounts locked, in name
 * order) in one statement each before any request runs; the requests then run one after another
 * against these rows in memory, each seeing the ones before it; {@link #flush} writes what they
 * did with one JDBC batch per table. A refused request's changes to the rows and the transfers it
 * added are undone ({@link #begin()}, {@link #undo()}), so it leaves no trace. Calls charged in one
 * request ({@link #charge}) are itemized one row each, and their credits move in one transfer per
 * pair of accounts for the whole batch ({@link Batched}); tallied calls ({@link #tally}) move theirs
 * the same way, without rows, in running sums ({@code easyremote_open_tallies}) that a closing batch
 * moves into transfers of their own ({@link #flush(TallyClose)}). Not thread-safe: one batch, one
 * thread.
 */
final class LedgerTx {
  static final String TRANSFER_COLUMNS = "id, kind, debit_account, credit_account, amount, pending_id, code, tag, created_at";
  private static final String ACCOUNT_COLUMNS = "id, flags, debits_pending, debits_posted, credits_pending, credits_posted";
  static final String CALL_CHARGE_COLUMNS = "call_id, caller_account, node_account, operator_account, charge, fee, share_transfer, "
      + "fee_transfer, created_at";
  static final int CONSTRAINED = 1;

  private final Connection c;
  private final boolean lockRows;
  private final boolean padLists;
  private final Map<String, AccountRow> accounts = new HashMap<>();
  private final java.util.Set<String> absentAccounts = new java.util.HashSet<>();
  private final Map<String, Optional<Transfer>> byId = new HashMap<>();
  private final Map<String, Optional<Transfer>> byPending = new HashMap<>();
  private final List<Transfer> inserts = new ArrayList<>();
  private final Map<String, Transfer> opened = new LinkedHashMap<>();
  private final java.util.Set<String> closed = new java.util.LinkedHashSet<>();
  private final Map<AccountRow, long[]> undo = new IdentityHashMap<>();
  private final List<Runnable> undoInserts = new ArrayList<>();
  private final Map<String, Optional<CallCharge>> calls = new HashMap<>();
  private final List<CallCharge> charges = new ArrayList<>();
  private final Map<BatchedKey, Batched> batched = new LinkedHashMap<>();
  private String batchId;

  /**
   * @param lockRows whether to lock the account rows it reads (PostgreSQL)
   * @param padLists whether to pad {@code IN} lists to a few sizes, so that the writer's statement
   *     cache (SQLite) holds few statements; not on PostgreSQL, whose generic plans for a padded
   *     list made the ledger bench three times slower
   */
  LedgerTx(Connection c, boolean lockRows, boolean padLists) {
    this.c = c;
    this.lockRows = lockRows;
    this.padLists = padLists;
  }

  /** An account row, read (and locked) once per batch and written back by {@link #flush} when it changed. */
  static final class AccountRow {
    final String id;
    final boolean constrained;
    long debitsPending;
    long debitsPosted;
    long creditsPending;
    long creditsPosted;
    private final long[] read;

    AccountRow(ResultSet r) throws SQLException {
      id = r.getString(1);
      constrained = (r.getInt(2) & CONSTRAINED) != 0;
      debitsPending = r.getLong(3);
      debitsPosted = r.getLong(4);
      creditsPending = r.getLong(5);
      creditsPosted = r.getLong(6);
      read = values();
    }

    long available() {
      return creditsPosted - debitsPosted - debitsPending;
    }

    long[] values() {
      return new long[] {debitsPending, debitsPosted, creditsPending, creditsPosted};
    }

    void restore(long[] v) {
      debitsPending = v[0];
      debitsPosted = v[1];
      creditsPending = v[2];
      creditsPosted = v[3];
    }

    boolean changed() {
      return !java.util.Arrays.equals(read, values());
    }

    Account account() {
      return new Account(id, constrained, debitsPending, debitsPosted, creditsPending, creditsPosted);
    }
  }

  /**
   * A transfer of this batch that carries the shares (or the fees) of every call it charged between
   * the same two accounts: its amount is their sum, known once the batch has run. Its id is
   * {@code charges:<batch>:<n>} when rows itemize its calls, {@code tally:<batch>:<n>} when they are
   * tallied, the batch a random UUID.
   */
  static final class Batched {
    final String id;
    final String debit;
    final String credit;
    final String code;
    final String tag;
    final long createdAt;
    final boolean tallied;
    long amount;

    Batched(String id, String debit, String credit, String code, String tag, long createdAt, boolean tallied) {
      this.id = id;
      this.tallied = tallied;
      this.debit = debit;
      this.credit = credit;
      this.code = code;
      this.tag = tag;
      this.createdAt = createdAt;
    }

    Transfer transfer() {
      return new Transfer(id, Transfer.Kind.TRANSFER, debit, credit, amount, null, code, tag, createdAt);
    }
  }

  /** Reads ahead, in one statement: the transfers with these ids, and the settlements of these pending ids. */
  void prefetch(Collection<String> ids, Collection<String> pendingIds) throws SQLException {
    List<String> wantIds = unread(ids, byId);
    List<String> wantPending = unread(pendingIds, byPending);
    if (wantIds.isEmpty() && wantPending.isEmpty()) {
      return;
    }
    try (PreparedStatement s = c.prepareStatement(TRANSFERS_SQL.text(slots(wantIds.size()), slots(wantPending.size())))) {
      bind(s, bind(s, 1, wantIds), wantPending);
      try (ResultSet r = s.executeQuery()) {
        while (r.next()) {
          remember(LedgerQueries.transfer(r));
        }
      }
    }
  }

  /**
   * The keys not in {@code read} yet, each once, in order; each is put in {@code read} as absent
   * until the statement that reads them finds it (a plain loop: the writer runs this per batch
   * over every call's ids).
   */
  private static <V> List<String> unread(Collection<String> keys, Map<String, Optional<V>> read) {
    List<String> want = new ArrayList<>(keys.size());
    for (String key : keys) {
      if (read.putIfAbsent(key, Optional.empty()) == null) {
        want.add(key);
      }
    }
    return want;
  }

  /** Reads (and on PostgreSQL locks) the accounts not read yet, in one statement, in name order. */
  void lockAll(Collection<String> ids) throws SQLException {
    TreeSet<String> want = null; // most calls find every account read already
    for (String id : ids) {
      if (!accounts.containsKey(id) && !absentAccounts.contains(id)) {
        if (want == null) {
          want = new TreeSet<>();
        }
        want.add(id);
      }
    }
    if (want == null) {
      return;
    }
    absentAccounts.addAll(want);
    try (PreparedStatement s = c.prepareStatement((lockRows ? LOCK_ACCOUNTS_SQL : ACCOUNTS_SQL).text(slots(want.size()), 0))) {
      bind(s, 1, new ArrayList<>(want));
      try (ResultSet r = s.executeQuery()) {
        while (r.next()) {
          AccountRow row = new AccountRow(r);
          accounts.put(row.id, row);
          absentAccounts.remove(row.id);
        }
      }
    }
  }

  /** The rows of these accounts (absent ones missing), remembered for {@link #undo()}. */
  Map<String, AccountRow> lock(String... ids) throws SQLException {
    lockAll(Arrays.asList(ids));
    Map<String, AccountRow> rows = new HashMap<>(8);
    for (String id : ids) {
      AccountRow row = accounts.get(id);
      if (row != null) {
        rows.put(id, row);
        undo.computeIfAbsent(row, AccountRow::values);
      }
    }
    return rows;
  }

  /** The transfer {@code id} as this batch sees it, or null. */
  Transfer find(String id) throws SQLException {
    if (!byId.containsKey(id)) {
      prefetch(List.of(id), List.of());
    }
    return byId.get(id).orElse(null);
  }

  /** The POST or VOID of {@code pendingId} as this batch sees it, or null while it is open. */
  Transfer settlementOf(String pendingId) throws SQLException {
    if (!byPending.containsKey(pendingId)) {
      prefetch(List.of(), List.of(pendingId));
    }
    return byPending.get(pendingId).orElse(null);
  }

  /** Reads ahead, in one statement, the charges of these calls ({@link #charge}). */
  void prefetchCalls(Collection<String> callIds) throws SQLException {
    List<String> want = unread(callIds, calls);
    if (want.isEmpty()) {
      return;
    }
    try (PreparedStatement s = c.prepareStatement(CALLS_SQL.text(slots(want.size()), 0))) {
      bind(s, 1, want);
      try (ResultSet r = s.executeQuery()) {
        while (r.next()) {
          CallCharge charge = callCharge(r);
          calls.put(charge.callId(), Optional.of(charge));
        }
      }
    }
  }

  /** The charge of call {@code callId} as this batch sees it, or null. */
  CallCharge findCall(String callId) throws SQLException {
    if (!calls.containsKey(callId)) {
      prefetchCalls(List.of(callId));
    }
    return calls.get(callId).orElse(null);
  }

  /**
   * Itemizes a call's charge and adds its share (caller → node owner) and fee (caller → operator)
   * to the batch's transfers between those accounts; the accounts' rows are the caller's to change.
   * Undone by {@link #undo()}.
   */
  CallCharge charge(String callId, String caller, String nodeOwner, String operator, long charge, long fee, String tag, long now) {
    long share = charge - fee;
    Batched shareTo = share > 0 ? batched(caller, nodeOwner, "share", tag, now, true) : null;
    Batched feeTo = fee > 0 ? batched(caller, operator, "fee", tag, now, true) : null;
    CallCharge row = new CallCharge(callId, caller, nodeOwner, operator, charge, fee, shareTo == null ? null : shareTo.id,
        feeTo == null ? null : feeTo.id, now);
    Optional<CallCharge> before = calls.get(callId);
    calls.put(callId, Optional.of(row));
    charges.add(row);
    if (shareTo != null) { // no overflow: a batched amount is at most what its credit account gained in this batch
      shareTo.amount += share;
    }
    if (feeTo != null) {
      feeTo.amount += fee;
    }
    undoInserts.add(() -> {
      charges.remove(charges.size() - 1);
      restore(calls, callId, before);
      if (shareTo != null) {
        shareTo.amount -= share;
      }
      if (feeTo != null) {
        feeTo.amount -= fee;
      }
    });
    return row;
  }

  /**
   * Adds a call's share (caller → node owner) and fee (caller → operator) to the batch's tallied
   * transfers between those accounts: no row of the call's own, and nothing to undo. The caller
   * has already checked the charge and changed the accounts' rows ({@link #row}), and calls this
   * after every request that may be undone.
   */
  void tally(String caller, String nodeOwner, String operator, long share, long fee, String tag, long now) {
    if (share > 0) { // no overflow: a batched amount is at most what its credit account gained in this batch
      batched(caller, nodeOwner, "share", tag, now, false).amount += share;
    }
    if (fee > 0) {
      batched(caller, operator, "fee", tag, now, false).amount += fee;
    }
  }

  /** The row of an account {@link #lockAll} read (and locked), or null when there is no such account; changes to it are not undone. */
  AccountRow row(String id) {
    return accounts.get(id);
  }

  /**
   * What a batched transfer is per: its accounts, code and tag, and whether its calls are itemized
   * (the account ids' hashes are cached: no string built per call).
   */
  private record BatchedKey(String debit, String credit, String code, String tag, boolean itemized) {}

  /**
   * The batch's transfer between these accounts: an itemized one ({@code charges:}, the sum of the
   * call rows that name it) or a tallied one ({@code tally:}, calls without rows; see {@link #tally}).
   */
  private Batched batched(String debit, String credit, String code, String tag, long now, boolean itemized) {
    BatchedKey key = new BatchedKey(debit, credit, code, tag, itemized);
    Batched b = batched.get(key);
    if (b == null) {
      if (batchId == null) {
        batchId = UUID.randomUUID() + ":";
      }
      b = new Batched((itemized ? LedgerEngine.BATCHED_PREFIX : LedgerEngine.TALLIED_PREFIX) + batchId + batched.size(), debit,
          credit, code, tag, now, !itemized);
      batched.put(key, b);
    }
    return b;
  }

  /** The transfer {@code id} as written by this batch (a batched one complete once {@link #flush} ran), or null. */
  Transfer written(String id) throws SQLException {
    if (id == null) {
      return null;
    }
    for (Batched b : batched.values()) {
      if (b.id.equals(id)) {
        return b.transfer();
      }
    }
    return find(id);
  }

  /** Starts a request: what it changes in the rows and the transfers it adds can be undone until the next begin. */
  void begin() {
    undo.clear();
    undoInserts.clear();
  }

  /**
   * Undoes the current request's changes to the rows and the transfers it added (it was refused:
   * a request made of two steps, such as a call's reservation and its settlement, may be refused
   * after its first step).
   */
  void undo() {
    undo.forEach(AccountRow::restore);
    undo.clear();
    for (int i = undoInserts.size() - 1; i >= 0; i--) {
      undoInserts.get(i).run();
    }
    undoInserts.clear();
  }

  /** Adds transfers (in this order), visible at once to the requests after. */
  void insert(List<Transfer> transfers) {
    for (Transfer t : transfers) {
      Optional<Transfer> byIdBefore = byId.get(t.id());
      Optional<Transfer> byPendingBefore = t.pendingId() == null ? null : byPending.get(t.pendingId());
      inserts.add(t);
      remember(t);
      Runnable reopen = () -> { };
      if (t.kind() == Transfer.Kind.PENDING) {
        opened.put(t.id(), t);
        reopen = () -> opened.remove(t.id());
      } else if (t.pendingId() != null) {
        Transfer wasOpen = opened.remove(t.pendingId());
        if (wasOpen == null) {
          boolean added = closed.add(t.pendingId());
          reopen = () -> {
            if (added) {
              closed.remove(t.pendingId());
            }
          };
        } else {
          reopen = () -> opened.put(wasOpen.id(), wasOpen);
        }
      }
      Runnable reopenIt = reopen;
      undoInserts.add(() -> {
        inserts.remove(inserts.size() - 1);
        restore(byId, t.id(), byIdBefore);
        if (t.pendingId() != null) {
          restore(byPending, t.pendingId(), byPendingBefore);
        }
        reopenIt.run();
      });
    }
  }

  private static <V> void restore(Map<String, Optional<V>> map, String key, Optional<V> before) {
    if (before == null) {
      map.remove(key);
    } else {
      map.put(key, before);
    }
  }

  /** Closes a reservation in the recovery index without settling it (see {@code voidDangling}). */
  void forget(String pendingId) {
    if (opened.remove(pendingId) == null) {
      closed.add(pendingId);
    }
  }

  private void remember(Transfer t) {
    byId.put(t.id(), Optional.of(t));
    if (t.pendingId() != null) {
      byPending.put(t.pendingId(), Optional.of(t));
    }
  }

  /**
   * Which running tallies a batch closes ({@link #flush}): those of {@code tags} (the tags of the
   * calls this ledger tallied, {@code ""} for none; all of them when there are more than
   * {@link #MAX_TAGS_LISTED}), and any opened before {@code staleBefore} (a gateway's that stopped
   * and never came back); {@code now} dates the transfers they become.
   */
  record TallyClose(Collection<String> tags, long staleBefore, long now) {}

  /**
   * The most tags a close names: a gateway tallies with one (its id). A program that tallies with
   * more closes every running tally instead, which is safe (rows are locked in one key order) but
   * may wait for another gateway's transaction on PostgreSQL.
   */
  static final int MAX_TAGS_LISTED = 64;

  /**
   * Writes what the batch did: its transfers, the recovery index, the changed accounts. Its
   * tallied sums are added to the running tallies ({@code easyremote_open_tallies}), unless
   * {@code close} is given: then the running tallies it names are read, added to the batch's own,
   * deleted, and written as the batch's {@code tally:} transfers.
   *
   * @return whether it left running tallies behind
   */
  boolean flush(TallyClose close) throws SQLException {
    if (close != null) {
      closeTallies(close);
    }
    List<Batched> openTallies = new ArrayList<>();
    for (Batched b : batched.values()) {
      if (b.amount > 0 && b.tallied && close == null) {
        openTallies.add(b);
      } else if (b.amount > 0) {
        inserts.add(b.transfer());
      }
    }
    if (!openTallies.isEmpty()) {
      // In key order, as closeTallies locks them: two ledgers sharing a PostgreSQL database (and, wrongly, a tag) never deadlock.
      openTallies.sort(Comparator.comparing((Batched b) -> tallyTag(b.tag)).thenComparing(b -> b.debit)
          .thenComparing(b -> b.credit).thenComparing(b -> b.code));
      try (PreparedStatement s = c.prepareStatement("INSERT INTO easyremote_open_tallies (tag, debit_account, credit_account, code, "
          + "amount, opened_at) VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (tag, debit_account, credit_account, code) "
          + "DO UPDATE SET amount = easyremote_open_tallies.amount + excluded.amount")) {
        for (Batched b : openTallies) { // no overflow: a running sum is at most what its credit account gained since it opened
          s.setString(1, tallyTag(b.tag));
          s.setString(2, b.debit);
          s.setString(3, b.credit);
          s.setString(4, b.code);
          s.setLong(5, b.amount);
          s.setLong(6, b.createdAt);
          s.addBatch();
        }
        s.executeBatch();
      }
    }
    if (!inserts.isEmpty()) {
      try (PreparedStatement s = c.prepareStatement("INSERT INTO easyremote_transfers (" + TRANSFER_COLUMNS + ") VALUES "
          + "(?, ?, ?, ?, ?, ?, ?, ?, ?)")) {
        for (Transfer t : inserts) {
          s.setString(1, t.id());
          s.setString(2, t.kind().name());
          s.setString(3, t.debitAccount());
          s.setString(4, t.creditAccount());
          s.setLong(5, t.amount());
          nullable(s, 6, t.pendingId());
          s.setString(7, t.code());
          nullable(s, 8, t.tag());
          s.setLong(9, t.createdAt());
          s.addBatch();
        }
        s.executeBatch();
      }
    }
    if (!opened.isEmpty()) {
      try (PreparedStatement s = c.prepareStatement("INSERT INTO easyremote_open_pendings (id, tag, created_at) VALUES (?, ?, ?)")) {
        for (Transfer t : opened.values()) {
          s.setString(1, t.id());
          nullable(s, 2, t.tag());
          s.setLong(3, t.createdAt());
          s.addBatch();
        }
        s.executeBatch();
      }
    }
    if (!closed.isEmpty()) {
      try (PreparedStatement s = c.prepareStatement("DELETE FROM easyremote_open_pendings WHERE id = ?")) {
        for (String id : closed) {
          s.setString(1, id);
          s.addBatch();
        }
        s.executeBatch();
      }
    }
    if (!charges.isEmpty()) {
      try (PreparedStatement s = c.prepareStatement("INSERT INTO easyremote_call_charges (" + CALL_CHARGE_COLUMNS + ") VALUES "
          + "(?, ?, ?, ?, ?, ?, ?, ?, ?)")) {
        for (CallCharge row : charges) {
          s.setString(1, row.callId());
          s.setString(2, row.caller());
          s.setString(3, row.nodeOwner());
          s.setString(4, row.operator());
          s.setLong(5, row.charge());
          s.setLong(6, row.fee());
          nullable(s, 7, row.shareTransfer());
          nullable(s, 8, row.feeTransfer());
          s.setLong(9, row.createdAt());
          s.addBatch();
        }
        s.executeBatch();
      }
    }
    List<AccountRow> changed = accounts.values().stream().filter(AccountRow::changed).toList();
    if (!changed.isEmpty()) {
      try (PreparedStatement s = c.prepareStatement("UPDATE easyremote_accounts SET debits_pending = ?, debits_posted = ?, "
          + "credits_pending = ?, credits_posted = ? WHERE id = ?")) {
        for (AccountRow row : changed) {
          s.setLong(1, row.debitsPending);
          s.setLong(2, row.debitsPosted);
          s.setLong(3, row.creditsPending);
          s.setLong(4, row.creditsPosted);
          s.setString(5, row.id);
          s.addBatch();
        }
        s.executeBatch();
      }
    }
    return !openTallies.isEmpty();
  }

  /** A tag as a running tally's key holds it: {@code ""} for none (a key column cannot be null). */
  static String tallyTag(String tag) {
    return tag == null ? "" : tag;
  }

  /** The running tallies' key order, that of {@link String#compareTo} for their ASCII ids (PostgreSQL's collation may differ). */
  private static final String TALLY_ORDER = "ORDER BY tag, debit_account, credit_account, code";
  private static final String TALLY_ORDER_POSTGRES = "ORDER BY tag COLLATE \"C\", debit_account COLLATE \"C\", "
      + "credit_account COLLATE \"C\", code COLLATE \"C\"";

  /** Moves the running tallies {@code close} names into this batch's tallied transfers, and deletes them. */
  private void closeTallies(TallyClose close) throws SQLException {
    boolean everyTag = close.tags().size() > MAX_TAGS_LISTED;
    List<String> tags = everyTag ? List.of() : new ArrayList<>(close.tags());
    List<String[]> keys = new ArrayList<>();
    try (PreparedStatement s = c.prepareStatement("SELECT tag, debit_account, credit_account, code, amount FROM easyremote_open_tallies "
        + "WHERE " + (tags.isEmpty() ? "" : "tag IN (" + marks(tags.size()) + ") OR ") + "opened_at < ? "
        + (lockRows ? TALLY_ORDER_POSTGRES + " FOR UPDATE" : TALLY_ORDER))) {
      int index = 1;
      for (String tag : tags) {
        s.setString(index++, tag);
      }
      s.setLong(index, everyTag ? Long.MAX_VALUE : close.staleBefore());
      try (ResultSet r = s.executeQuery()) {
        while (r.next()) {
          String tag = r.getString(1);
          String[] key = {tag, r.getString(2), r.getString(3), r.getString(4)};
          keys.add(key);
          Batched b = batched(key[1], key[2], key[3], tag.isEmpty() ? null : tag, close.now(), false);
          b.amount = Math.addExact(b.amount, r.getLong(5)); // exact: both are parts of the credit account's total
        }
      }
    } catch (ArithmeticException e) {
      throw new SQLException("A running tally overflows: " + e.getMessage(), e);
    }
    if (keys.isEmpty()) {
      return;
    }
    try (PreparedStatement s = c.prepareStatement("DELETE FROM easyremote_open_tallies WHERE tag = ? AND debit_account = ? "
        + "AND credit_account = ? AND code = ?")) {
      for (String[] key : keys) {
        for (int i = 0; i < 4; i++) {
          s.setString(i + 1, key[i]);
        }
        s.addBatch();
      }
      s.executeBatch();
    }
  }

  static CallCharge callCharge(ResultSet r) throws SQLException {
    return new CallCharge(r.getString(1), r.getString(2), r.getString(3), r.getString(4), r.getLong(5), r.getLong(6), r.getString(7),
        r.getString(8), r.getLong(9));
  }

  /** The place holders an {@code IN} list of {@code n} values takes: {@code n}, padded when asked ({@link StatementCache#slots}). */
  private int slots(int n) {
    return padLists && n > 0 ? StatementCache.slots(n) : n;
  }

  private static String marks(int n) {
    return String.join(", ", Collections.nCopies(n, "?"));
  }

  private static final SqlText TRANSFERS_SQL = new SqlText((ids, pending) -> "SELECT " + TRANSFER_COLUMNS
      + " FROM easyremote_transfers WHERE " + (ids == 0 ? "" : "id IN (" + marks(ids) + ")") + (ids == 0 || pending == 0 ? "" : " OR ")
      + (pending == 0 ? "" : "pending_id IN (" + marks(pending) + ")"));
  private static final SqlText ACCOUNTS_SQL = new SqlText((n, unused) -> "SELECT " + ACCOUNT_COLUMNS
      + " FROM easyremote_accounts WHERE id IN (" + marks(n) + ") ORDER BY id");
  private static final SqlText LOCK_ACCOUNTS_SQL = new SqlText((n, unused) -> ACCOUNTS_SQL.text(n, 0) + " FOR UPDATE");
  private static final SqlText CALLS_SQL = new SqlText((n, unused) -> "SELECT " + CALL_CHARGE_COLUMNS
      + " FROM easyremote_call_charges WHERE call_id IN (" + marks(n) + ")");

  /**
   * The text of a statement with {@code IN} lists, built once per list sizes: the writer prepares
   * these for every batch, and a statement cache looks each text up by its hash, which a string built
   * afresh computes again over its whole length. Keeps at most {@link #MAX_KEPT} texts; thread-safe.
   */
  private static final class SqlText {
    private static final int MAX_KEPT = 1024;
    private final BiFunction<Integer, Integer, String> build;
    private final ConcurrentHashMap<Long, String> kept = new ConcurrentHashMap<>();

    SqlText(BiFunction<Integer, Integer, String> build) {
      this.build = build;
    }

    String text(int first, int second) {
      Long key = ((long) first << 32) | second;
      String text = kept.get(key);
      if (text == null) {
        text = build.apply(first, second);
        if (kept.size() < MAX_KEPT) {
          kept.putIfAbsent(key, text);
        }
      }
      return text;
    }
  }

  /** Binds an {@code IN} list of {@link #marks} from {@code index}, the last value repeated into any padding; returns the next index. */
  private int bind(PreparedStatement s, int index, List<String> values) throws SQLException {
    if (values.isEmpty()) {
      return index;
    }
    int slots = slots(values.size());
    for (int k = 0; k < slots; k++) {
      s.setString(index + k, values.get(Math.min(k, values.size() - 1)));
    }
    return index + slots;
  }

  static void nullable(PreparedStatement s, int index, String value) throws SQLException {
    if (value == null) {
      s.setNull(index, Types.VARCHAR);
    } else {
      s.setString(index, value);
    }
  }
}
