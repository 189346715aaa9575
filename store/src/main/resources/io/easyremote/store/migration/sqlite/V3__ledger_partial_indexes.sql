-- Fewer index entries per transfer (issue 18: paid calls should cost about what free ones do).
-- A paid call writes four transfers (PENDING, POST, share, fee); with full indexes each adds four
-- index entries. The entries nothing looks up are left out:
--  * pending_id is set only on a POST or VOID: the uniqueness of a settlement per reservation
--    needs only those rows (a partial unique index), not one NULL entry per other transfer;
--  * the per-account indexes serve statements (newest transfers of an account) and grants; the
--    'clearing' system account, debited or credited by every call's transfers, is never looked up
--    through them (its statement, an operator's curiosity, scans), so its entries are left out.
-- SQLite cannot drop a column's UNIQUE constraint: the table is rebuilt with the same columns and
-- rows (seq kept), inside the migration's transaction.
CREATE TABLE easyremote_transfers_v3 (
  seq             INTEGER PRIMARY KEY,
  id              VARCHAR(200) NOT NULL UNIQUE,
  kind            VARCHAR(16)  NOT NULL,
  debit_account   VARCHAR(128) NOT NULL REFERENCES easyremote_accounts (id),
  credit_account  VARCHAR(128) NOT NULL REFERENCES easyremote_accounts (id),
  amount          BIGINT       NOT NULL CHECK (amount > 0),
  pending_id      VARCHAR(200),
  code            VARCHAR(32)  NOT NULL,
  tag             VARCHAR(128),
  created_at      BIGINT       NOT NULL
);
INSERT INTO easyremote_transfers_v3 (seq, id, kind, debit_account, credit_account, amount, pending_id, code, tag, created_at)
  SELECT seq, id, kind, debit_account, credit_account, amount, pending_id, code, tag, created_at FROM easyremote_transfers;
DROP TABLE easyremote_transfers;
ALTER TABLE easyremote_transfers_v3 RENAME TO easyremote_transfers;
CREATE UNIQUE INDEX easyremote_transfers_pending ON easyremote_transfers (pending_id) WHERE pending_id IS NOT NULL;
CREATE INDEX easyremote_transfers_debit ON easyremote_transfers (debit_account, seq) WHERE debit_account <> 'clearing';
CREATE INDEX easyremote_transfers_credit ON easyremote_transfers (credit_account, seq) WHERE credit_account <> 'clearing';
