-- Tallied charges accumulate here before they become transfers (issue 18: paid calls should cost
-- about what free ones do). Ledger.tallyCall used to write two transfers per ledger batch (the share
-- and the fee, 'tally:<batch>:<n>'), and each transfer's row and three index entries were most of
-- what a batch wrote: about 40 % of the store writer's CPU per charged call. Now a batch adds its
-- tallied sums to one running row per gateway tag, pair of accounts and code (an upsert into this
-- small table, one page), in the same transaction that changes the balances. About once a second,
-- and when the ledger closes, a batch moves each running sum into one 'tally:' transfer and deletes
-- its row. Balances equal the transfers plus the rows here at every commit; the audit adds both.
-- tag is '' for a call tallied without one.
CREATE TABLE easyremote_open_tallies (
  tag             VARCHAR(128) NOT NULL,
  debit_account   VARCHAR(128) NOT NULL REFERENCES easyremote_accounts (id),
  credit_account  VARCHAR(128) NOT NULL REFERENCES easyremote_accounts (id),
  code            VARCHAR(32)  NOT NULL,
  amount          BIGINT       NOT NULL CHECK (amount > 0),
  opened_at       BIGINT       NOT NULL,
  PRIMARY KEY (tag, debit_account, credit_account, code)
);
