-- Metering per minute (issue 18: metering must not cap the relay). One row per minute and per
-- (caller account, node account, function, node, outcome), its sums updated in place as calls
-- complete, instead of one row per call with three index entries: a busy relay writes a few rows
-- per group commit instead of one per call, and the table grows with the variety of use, not its
-- volume. Sums over any window are exact to the minute (a window covers each minute it touches).
CREATE TABLE easyremote_usage_minutes (
  minute_start    BIGINT       NOT NULL,          -- epoch ms, a multiple of 60,000
  caller_account  VARCHAR(128) NOT NULL,
  node_account    VARCHAR(128) NOT NULL,
  function_name   VARCHAR(256) NOT NULL,
  node_id         VARCHAR(256) NOT NULL,
  outcome         VARCHAR(32)  NOT NULL,          -- ok, or the error code in lower case
  calls           BIGINT       NOT NULL CHECK (calls > 0),
  execution_ms    BIGINT       NOT NULL,
  bytes_in        BIGINT       NOT NULL,
  bytes_out       BIGINT       NOT NULL,
  PRIMARY KEY (minute_start, caller_account, node_account, function_name, node_id, outcome)
);
-- The per-call rows written so far, summed into their minutes.
INSERT INTO easyremote_usage_minutes (minute_start, caller_account, node_account, function_name, node_id, outcome, calls,
    execution_ms, bytes_in, bytes_out)
  SELECT (finished_at / 60000) * 60000, caller_account, node_account, function_name, node_id, outcome, COUNT(*),
      SUM(execution_ms), SUM(bytes_in), SUM(bytes_out)
  FROM easyremote_usage
  GROUP BY (finished_at / 60000) * 60000, caller_account, node_account, function_name, node_id, outcome;
DROP TABLE easyremote_usage;
