package io.easyremote.store.internal;

import io.easyremote.store.Account;
import io.easyremote.store.Transfer;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Types;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * A batch of ledger requests on one connection, inside one transaction of the group commit: the
 * transfers and accounts they need are read (and, on PostgreSQL, the accounts locked, in name
 * order) in one statement each before any request runs; the requests then run one after another
 * against these rows in memory, each seeing the ones before it; {@link #flush()} writes what they
 * did with one JDBC batch per table. A refused request's changes to the rows and the transfers it
 * added are undone ({@link #begin()}, {@link #undo()}), so it leaves no trace. Not thread-safe: one batch, one thread.
 */
final class LedgerTx {
  static final String TRANSFER_COLUMNS = "id, kind, debit_account, credit_account, amount, pending_id, code, tag, created_at";
  private static final String ACCOUNT_COLUMNS = "id, flags, debits_pending, debits_posted, credits_pending, credits_posted";
  static final int CONSTRAINED = 1;

  private final Connection c;
  private final String lockSuffix;
  private final Map<String, AccountRow> accounts = new HashMap<>();
  private final java.util.Set<String> absentAccounts = new java.util.HashSet<>();
  private final Map<String, Optional<Transfer>> byId = new HashMap<>();
  private final Map<String, Optional<Transfer>> byPending = new HashMap<>();
  private final List<Transfer> inserts = new ArrayList<>();
  private final Map<String, Transfer> opened = new LinkedHashMap<>();
  private final java.util.Set<String> closed = new java.util.LinkedHashSet<>();
  private final Map<AccountRow, long[]> undo = new IdentityHashMap<>();
  private final List<Runnable> undoInserts = new ArrayList<>();

  LedgerTx(Connection c, boolean lockRows) {
    this.c = c;
    this.lockSuffix = lockRows ? " FOR UPDATE" : "";
  }

  /** An account row, read (and locked) once per batch and written back by {@link #flush()} when it changed. */
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

  /** Reads ahead, in one statement: the transfers with these ids, and the settlements of these pending ids. */
  void prefetch(Collection<String> ids, Collection<String> pendingIds) throws SQLException {
    List<String> wantIds = ids.stream().filter(id -> !byId.containsKey(id)).distinct().toList();
    List<String> wantPending = pendingIds.stream().filter(id -> !byPending.containsKey(id)).distinct().toList();
    if (wantIds.isEmpty() && wantPending.isEmpty()) {
      return;
    }
    wantIds.forEach(id -> byId.put(id, Optional.empty()));
    wantPending.forEach(id -> byPending.put(id, Optional.empty()));
    String where = (wantIds.isEmpty() ? "" : "id IN (" + marks(wantIds.size()) + ")")
        + (wantIds.isEmpty() || wantPending.isEmpty() ? "" : " OR ")
        + (wantPending.isEmpty() ? "" : "pending_id IN (" + marks(wantPending.size()) + ")");
    try (PreparedStatement s = c.prepareStatement("SELECT " + TRANSFER_COLUMNS + " FROM easyremote_transfers WHERE " + where)) {
      int i = 1;
      for (String id : wantIds) {
        s.setString(i++, id);
      }
      for (String id : wantPending) {
        s.setString(i++, id);
      }
      try (ResultSet r = s.executeQuery()) {
        while (r.next()) {
          remember(LedgerEngine.transfer(r));
        }
      }
    }
  }

  /** Reads (and on PostgreSQL locks) the accounts not read yet, in one statement, in name order. */
  void lockAll(Collection<String> ids) throws SQLException {
    TreeSet<String> want = new TreeSet<>();
    for (String id : ids) {
      if (!accounts.containsKey(id) && !absentAccounts.contains(id)) {
        want.add(id);
      }
    }
    if (want.isEmpty()) {
      return;
    }
    absentAccounts.addAll(want);
    try (PreparedStatement s = c.prepareStatement("SELECT " + ACCOUNT_COLUMNS + " FROM easyremote_accounts WHERE id IN ("
        + marks(want.size()) + ") ORDER BY id" + lockSuffix)) {
      int i = 1;
      for (String id : want) {
        s.setString(i++, id);
      }
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
    lockAll(List.of(ids));
    Map<String, AccountRow> rows = new TreeMap<>();
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

  private static void restore(Map<String, Optional<Transfer>> map, String key, Optional<Transfer> before) {
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

  /** Writes what the batch did: its transfers, the recovery index, the changed accounts. */
  void flush() throws SQLException {
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
  }

  private static String marks(int n) {
    return String.join(", ", Collections.nCopies(n, "?"));
  }

  static void nullable(PreparedStatement s, int index, String value) throws SQLException {
    if (value == null) {
      s.setNull(index, Types.VARCHAR);
    } else {
      s.setString(index, value);
    }
  }
}
