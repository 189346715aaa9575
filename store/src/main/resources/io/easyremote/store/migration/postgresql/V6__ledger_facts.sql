-- What the ledger needs to know about its own history, computed once here instead of looked up on
-- every call. Before V5, Ledger.chargeCall charged a short call with two transfers of its own, ids
-- 'call:<id>:share' and 'call:<id>:fee', debited from the caller (a settled long call's share and fee
-- come from 'clearing' instead). A repeat of such a call must find them, so the ledger looked both ids
-- up for every short call it charged, though a store created at V5 or later cannot hold any. The fact
-- 'direct_charges_before_v5' is 1 when this store holds at least one: only then does the ledger keep
-- looking. (A gateway older than V5 writing to this store after this migration could add more; the
-- ledger's call ids carry the gateway's id and start time, so only a program reusing such an id
-- through the Ledger API would be affected.)
CREATE TABLE easyremote_ledger_facts (
  name   VARCHAR(64) PRIMARY KEY,
  value  BIGINT      NOT NULL
);

INSERT INTO easyremote_ledger_facts (name, value)
SELECT 'direct_charges_before_v5', CASE WHEN EXISTS (
  SELECT 1 FROM easyremote_transfers
  WHERE id LIKE 'call:%' AND code IN ('share', 'fee') AND debit_account <> 'clearing'
) THEN 1 ELSE 0 END;
