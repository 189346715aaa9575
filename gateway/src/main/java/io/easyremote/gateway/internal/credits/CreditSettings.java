package io.easyremote.gateway.internal.credits;

import io.easyremote.gateway.Access;
import io.easyremote.store.Ledger;

/**
 * How a gateway charges for calls.
 *
 * @param gatewayId names this gateway in ledger call ids and reservation tags (unique per gateway of a cluster)
 * @param operatorAccount the account the routing fee goes to
 * @param feeBasisPoints the fee, in basis points of each charge (0..10,000)
 * @param settleBeforeResult whether a paid call's result waits until its settlement is committed
 *     (the default: no result a crash could leave uncharged) or goes out at once
 */
public record CreditSettings(String gatewayId, String operatorAccount, int feeBasisPoints, boolean settleBeforeResult) {
  public CreditSettings {
    Access.checkAccount(operatorAccount, "the operator");
    if (gatewayId == null || !gatewayId.matches("[A-Za-z0-9_]{1,32}")) {
      throw new IllegalArgumentException("gateway id must be 1-32 letters, digits or '_': " + gatewayId);
    }
    if (feeBasisPoints < 0 || feeBasisPoints > Ledger.MAX_FEE_BASIS_POINTS) {
      throw new IllegalArgumentException("the operator fee is 0.." + Ledger.MAX_FEE_BASIS_POINTS + " basis points, not " + feeBasisPoints);
    }
  }
}
