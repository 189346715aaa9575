package io.easyremote.store.internal;

import io.easyremote.store.Account;
import io.easyremote.store.Ledger;
import io.easyremote.store.Transfer;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

/**
 * Recomputes every account's totals from the append-only transfers, and the running tallies not
 * yet written as transfers, and compares them with the stored ones, and checks that balances are
 * conserved. Reads the whole ledger on one connection.
 */
public final class LedgerAudit {
  private LedgerAudit() {}

  /** Runs the audit; see {@link Ledger#audit()}. */
  public static Ledger.Audit run(Connection c) throws SQLException {
    boolean autoCommit = c.getAutoCommit();
    c.setAutoCommit(false); // one snapshot (PostgreSQL: one transaction; SQLite WAL: one read transaction)
    try {
      return audit(c);
    } finally {
      c.rollback();
      c.setAutoCommit(autoCommit);
    }
  }

  private static Ledger.Audit audit(Connection c) throws SQLException {
    List<String> problems = new ArrayList<>();
    Map<String, long[]> sums = new HashMap<>(); // debits pending, debits posted, credits pending, credits posted
    Map<String, Transfer> pendings = new HashMap<>();
    TreeSet<String> open = new TreeSet<>();
    Map<String, Transfer> batched = new HashMap<>();
    long[] count = {0};
    LedgerQueries.forEachTransfer(c, t -> {
      count[0]++;
      if (t.id().startsWith(LedgerEngine.BATCHED_PREFIX)) {
        batched.put(t.id(), t);
      } else if (t.id().startsWith(LedgerEngine.TALLIED_PREFIX)
          && (t.kind() != Transfer.Kind.TRANSFER || !(t.code().equals("share") || t.code().equals("fee")))) {
        problems.add("tallied transfer " + t.id() + " is not a share or a fee posted at once: " + t);
      }
      long[] d = sums.computeIfAbsent(t.debitAccount(), k -> new long[4]);
      long[] cr = sums.computeIfAbsent(t.creditAccount(), k -> new long[4]);
      switch (t.kind()) {
        case TRANSFER -> {
          d[1] += t.amount();
          cr[3] += t.amount();
        }
        case PENDING -> {
          d[0] += t.amount();
          cr[2] += t.amount();
          pendings.put(t.id(), t);
          open.add(t.id());
        }
        case POST, VOID -> {
          Transfer p = pendings.get(t.pendingId());
          if (p == null || !open.remove(t.pendingId())) {
            problems.add(t.kind() + " " + t.id() + " settles " + t.pendingId() + ", which is not an open pending transfer before it");
            return;
          }
          if (!p.debitAccount().equals(t.debitAccount()) || !p.creditAccount().equals(t.creditAccount())) {
            problems.add(t.id() + " settles " + p.id() + " between other accounts");
          }
          if (t.kind() == Transfer.Kind.POST ? t.amount() > p.amount() : t.amount() != p.amount()) {
            problems.add(t.id() + " " + t.kind() + "s " + t.amount() + " of " + p.id() + "'s " + p.amount());
          }
          d[0] -= p.amount();
          cr[2] -= p.amount();
          if (t.kind() == Transfer.Kind.POST) {
            d[1] += t.amount();
            cr[3] += t.amount();
          }
        }
        default -> throw new IllegalStateException(t.kind().toString());
      }
    });
    LedgerQueries.forEachOpenTally(c, (debit, credit, code, amount) -> {
      if (!(code.equals("share") || code.equals("fee"))) {
        problems.add("running tally " + debit + " -> " + credit + " is not a share or a fee: " + code);
      }
      sums.computeIfAbsent(debit, k -> new long[4])[1] += amount;
      sums.computeIfAbsent(credit, k -> new long[4])[3] += amount;
    });
    checkCallCharges(c, batched, problems);
    List<String> indexed = LedgerQueries.openPendingIds(c);
    if (!indexed.equals(new ArrayList<>(open))) {
      problems.add("the open reservations index holds " + indexed.size() + " ids, the transfers leave " + open.size() + " open");
    }
    long minted = 0;
    long held = 0;
    long debitsPending = 0;
    long creditsPending = 0;
    List<Account> accounts = LedgerQueries.accounts(c);
    for (Account a : accounts) {
      long[] s = sums.getOrDefault(a.id(), new long[4]);
      if (s[0] != a.debitsPending() || s[1] != a.debitsPosted() || s[2] != a.creditsPending() || s[3] != a.creditsPosted()) {
        problems.add(a.id() + " stores " + a + " but its transfers add up to debits pending " + s[0] + ", posted " + s[1]
            + ", credits pending " + s[2] + ", posted " + s[3] + " (running tallies included)");
      }
      sums.remove(a.id());
      debitsPending += a.debitsPending();
      creditsPending += a.creditsPending();
      if (a.id().equals(Ledger.MINT)) {
        minted = -a.posted();
      } else {
        held += a.posted();
        if (a.available() < 0) {
          problems.add(a.id() + " is overdrawn: " + a);
        }
      }
      if (a.id().equals(Ledger.CLEARING) && a.posted() != 0) {
        problems.add("clearing holds " + a.posted() + " posted; it passes every charge on in the same transaction");
      }
    }
    if (!sums.isEmpty()) {
      problems.add("transfers name accounts that do not exist: " + sums.keySet());
    }
    if (minted != held) {
      problems.add("not conserved: the mint granted " + minted + " but the accounts hold " + held);
    }
    if (debitsPending != creditsPending) {
      problems.add("pending debits " + debitsPending + " != pending credits " + creditsPending);
    }
    return new Ledger.Audit(accounts.size(), count[0], minted, held, debitsPending, List.copyOf(problems));
  }

  /** Each batched transfer is the sum of the calls charged through it, between the same accounts. */
  private static void checkCallCharges(Connection c, Map<String, Transfer> batched, List<String> problems)
      throws SQLException {
    Map<String, Long> sums = new HashMap<>();
    LedgerQueries.forEachCallCharge(c, call -> {
      String[][] parts = {{call.shareTransfer(), call.nodeOwner(), "share"}, {call.feeTransfer(), call.operator(), "fee"}};
      long[] amounts = {call.share(), call.fee()};
      for (int i = 0; i < 2; i++) {
        String id = parts[i][0];
        if ((id == null) != (amounts[i] == 0)) {
          problems.add("call " + call.callId() + " has a " + parts[i][2] + " of " + amounts[i] + " but names transfer " + id);
          continue;
        }
        if (id == null) {
          continue;
        }
        Transfer t = batched.get(id);
        if (t == null || !t.debitAccount().equals(call.caller()) || !t.creditAccount().equals(parts[i][1])
            || !t.code().equals(parts[i][2])) {
          problems.add("call " + call.callId() + " names " + id + " for its " + parts[i][2] + ", which is "
              + (t == null ? "not a batched transfer" : "between other accounts or for something else: " + t));
          continue;
        }
        sums.merge(id, amounts[i], Long::sum);
      }
    });
    for (Transfer t : batched.values()) {
      long sum = sums.getOrDefault(t.id(), 0L);
      if (sum != t.amount()) {
        problems.add("batched transfer " + t.id() + " moved " + t.amount() + " but the calls it carries add up to " + sum);
      }
    }
  }
}
