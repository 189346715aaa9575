-- Credits: a double-entry ledger with TigerBeetle's semantics, and the metering of calls.
-- Amounts are integers in the smallest unit (BIGINT), never floating point; times are epoch ms.

-- One row per account, its four running totals kept consistent with the transfers below.
-- flags bit 1: debits must not exceed credits (debits_posted + debits_pending <= credits_posted),
-- i.e. the balance never goes negative; set on every account but the mint's.
CREATE TABLE easyremote_accounts (
  id              VARCHAR(128) PRIMARY KEY,
  flags           INTEGER NOT NULL,
  debits_pending  BIGINT  NOT NULL DEFAULT 0 CHECK (debits_pending >= 0),
  debits_posted   BIGINT  NOT NULL DEFAULT 0 CHECK (debits_posted >= 0),
  credits_pending BIGINT  NOT NULL DEFAULT 0 CHECK (credits_pending >= 0),
  credits_posted  BIGINT  NOT NULL DEFAULT 0 CHECK (credits_posted >= 0),
  created_at      BIGINT  NOT NULL,
  CHECK ((flags & 1) = 0 OR debits_posted + debits_pending <= credits_posted)
);
-- The system accounts: the mint (the only one that may go negative: minus what was granted) and
-- the clearing account that call reservations pass through (its posted balance is always 0).
INSERT INTO easyremote_accounts (id, flags, created_at) VALUES ('mint', 0, 0);
INSERT INTO easyremote_accounts (id, flags, created_at) VALUES ('clearing', 1, 0);

-- Append-only: a row is never updated or deleted. kind: TRANSFER (posted at once), PENDING
-- (reserved), POST or VOID (settles the PENDING named by pending_id; at most one per pending).
CREATE TABLE easyremote_transfers (
  seq             BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  id              VARCHAR(200) NOT NULL UNIQUE,
  kind            VARCHAR(16)  NOT NULL,
  debit_account   VARCHAR(128) NOT NULL REFERENCES easyremote_accounts (id),
  credit_account  VARCHAR(128) NOT NULL REFERENCES easyremote_accounts (id),
  amount          BIGINT       NOT NULL CHECK (amount > 0),
  pending_id      VARCHAR(200) UNIQUE,
  code            VARCHAR(32)  NOT NULL,
  tag             VARCHAR(128),
  created_at      BIGINT       NOT NULL
);
CREATE INDEX easyremote_transfers_debit ON easyremote_transfers (debit_account, seq);
CREATE INDEX easyremote_transfers_credit ON easyremote_transfers (credit_account, seq);

-- The PENDING transfers not yet posted or voided: an index for recovery (voidDangling), kept in
-- the same transaction as the transfers; the ledger itself is the table above.
CREATE TABLE easyremote_open_pendings (
  id          VARCHAR(200) PRIMARY KEY,
  tag         VARCHAR(128),
  created_at  BIGINT NOT NULL
);
CREATE INDEX easyremote_open_pendings_age ON easyremote_open_pendings (created_at);

-- Metering: one row per completed call that reached a node.
CREATE TABLE easyremote_usage (
  seq             BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  call_id         VARCHAR(128) NOT NULL,
  caller_account  VARCHAR(128) NOT NULL,
  node_account    VARCHAR(128) NOT NULL,
  function_name   VARCHAR(256) NOT NULL,
  node_id         VARCHAR(256) NOT NULL,
  execution_ms    BIGINT       NOT NULL,
  bytes_in        BIGINT       NOT NULL,
  bytes_out       BIGINT       NOT NULL,
  outcome         VARCHAR(32)  NOT NULL,          -- ok, or the error code in lower case
  finished_at     BIGINT       NOT NULL
);
CREATE INDEX easyremote_usage_at ON easyremote_usage (finished_at);
CREATE INDEX easyremote_usage_caller ON easyremote_usage (caller_account, finished_at);
CREATE INDEX easyremote_usage_node ON easyremote_usage (node_account, finished_at);
