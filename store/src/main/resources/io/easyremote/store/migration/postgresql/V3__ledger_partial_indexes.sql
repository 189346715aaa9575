-- Fewer index entries per transfer (issue 18: paid calls should cost about what free ones do).
-- A paid call writes four transfers (PENDING, POST, share, fee); with full indexes each adds four
-- index entries. The entries nothing looks up are left out:
--  * pending_id is set only on a POST or VOID: the uniqueness of a settlement per reservation
--    needs only those rows (a partial unique index), not one NULL entry per other transfer;
--  * the per-account indexes serve statements (newest transfers of an account) and grants; the
--    'clearing' system account, debited or credited by every call's transfers, is never looked up
--    through them (its statement, an operator's curiosity, scans), so its entries are left out.
ALTER TABLE easyremote_transfers DROP CONSTRAINT easyremote_transfers_pending_id_key;
CREATE UNIQUE INDEX easyremote_transfers_pending ON easyremote_transfers (pending_id) WHERE pending_id IS NOT NULL;
DROP INDEX easyremote_transfers_debit;
DROP INDEX easyremote_transfers_credit;
CREATE INDEX easyremote_transfers_debit ON easyremote_transfers (debit_account, seq) WHERE debit_account <> 'clearing';
CREATE INDEX easyremote_transfers_credit ON easyremote_transfers (credit_account, seq) WHERE credit_account <> 'clearing';
