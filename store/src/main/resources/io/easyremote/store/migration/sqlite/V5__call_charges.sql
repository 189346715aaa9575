-- Short paid calls itemized, their credits moved per batch (issue 18: paid calls should cost about
-- what free ones do). Ledger.chargeCall wrote two transfers per call (the node owner's share and the
-- operator's fee, posted from the caller), each with four index entries. Now it writes one narrow
-- row per call here, the call's at-most-once guard and its itemization, and the credits move as one
-- transfer per ledger batch (one group commit) and pair of accounts: a batch of 200 calls from one
-- caller to one node owner writes 200 rows here and two transfers ('share' and 'fee', ids
-- 'charges:<batch>:<n>'), which the rows name. The balances, the double entry and the audit are
-- the transfers' as before; the audit also checks that each batched transfer is the sum of the
-- calls that name it.
CREATE TABLE easyremote_call_charges (
  call_id           VARCHAR(128) PRIMARY KEY,
  caller_account    VARCHAR(128) NOT NULL,
  node_account      VARCHAR(128) NOT NULL,
  operator_account  VARCHAR(128) NOT NULL,
  charge            BIGINT       NOT NULL CHECK (charge > 0),
  fee               BIGINT       NOT NULL CHECK (fee >= 0 AND fee <= charge),
  share_transfer    VARCHAR(200),                  -- null when the fee is the whole charge
  fee_transfer      VARCHAR(200),                  -- null when there is no fee
  created_at        BIGINT       NOT NULL
) WITHOUT ROWID;
