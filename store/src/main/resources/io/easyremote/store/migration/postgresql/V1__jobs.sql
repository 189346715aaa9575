-- Async jobs: one row per accepted job, from submission until it expires and is purged.
-- Times are epoch milliseconds (BIGINT), the same on every database.
CREATE TABLE easyremote_jobs (
  id            VARCHAR(64)  PRIMARY KEY,
  owner         VARCHAR(256) NOT NULL,          -- the submitting key's principal; '' on an open gateway
  gateway_id    VARCHAR(128) NOT NULL,          -- the gateway that runs it (recovers it after a crash)
  function_name VARCHAR(256) NOT NULL,
  request       BYTEA,                          -- the call (easyremote.v1.CallRequest, protobuf); dropped once finished
  timeout_ms    BIGINT       NOT NULL,          -- the job's own deadline once it starts running
  state         VARCHAR(16)  NOT NULL,          -- QUEUED, RUNNING, SUCCEEDED, FAILED, CANCELLED, EXPIRED
  idempotent    BOOLEAN      NOT NULL DEFAULT FALSE,   -- known when it starts running: may it be re-run after a crash?
  attempts      INTEGER      NOT NULL DEFAULT 0,  -- times it was started
  node_id       VARCHAR(256),
  result        BYTEA,
  result_binary BOOLEAN      NOT NULL DEFAULT FALSE,
  error_code    VARCHAR(32),
  error         BYTEA,                          -- easyremote.v1.Error (protobuf)
  created_at    BIGINT       NOT NULL,
  started_at    BIGINT,
  finished_at   BIGINT,
  expires_at    BIGINT
);
CREATE INDEX easyremote_jobs_open ON easyremote_jobs (gateway_id, state);
CREATE INDEX easyremote_jobs_expiry ON easyremote_jobs (expires_at);
