package io.easyremote.store;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Types;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The {@code easyremote_jobs} table. Every method takes the connection to run on: writes inside a
 * {@link Store#write} (so they join a group commit), reads inside {@link Store#read}. Transitions
 * are guarded by the state they leave, so a cancel and a result racing for one job cannot both win:
 * the method that changed no row returns false. Stateless and thread-safe.
 */
public final class JobTable {
  private static final String COLUMNS = "id, owner, gateway_id, function_name, request, timeout_ms, state, idempotent, attempts, "
      + "node_id, result, result_binary, error_code, error, created_at, started_at, finished_at, expires_at";

  /** Stores a new job. */
  public void insert(Connection c, JobRow job) throws SQLException {
    try (PreparedStatement s = c.prepareStatement("INSERT INTO easyremote_jobs (" + COLUMNS + ") VALUES "
        + "(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")) {
      s.setString(1, job.id());
      s.setString(2, job.owner());
      s.setString(3, job.gatewayId());
      s.setString(4, job.function());
      bytes(s, 5, job.request());
      s.setLong(6, job.timeoutMs());
      s.setString(7, job.state().name());
      s.setBoolean(8, job.idempotent());
      s.setInt(9, job.attempts());
      s.setString(10, job.nodeId());
      bytes(s, 11, job.result());
      s.setBoolean(12, job.resultBinary());
      s.setString(13, job.errorCode());
      bytes(s, 14, job.error());
      s.setLong(15, job.createdAt());
      s.setLong(16, job.startedAt());
      s.setLong(17, job.finishedAt());
      s.setLong(18, job.expiresAt());
      s.executeUpdate();
    }
  }

  /**
   * QUEUED (or, when re-running after a crash, RUNNING) → RUNNING: counts an attempt and records
   * whether the function is idempotent. False when the job is no longer waiting (cancelled).
   */
  public boolean start(Connection c, String id, boolean idempotent, long now) throws SQLException {
    try (PreparedStatement s = c.prepareStatement("UPDATE easyremote_jobs SET state = 'RUNNING', idempotent = ?, "
        + "attempts = attempts + 1, started_at = ? WHERE id = ? AND state IN ('QUEUED', 'RUNNING')")) {
      s.setBoolean(1, idempotent);
      s.setLong(2, now);
      s.setString(3, id);
      return s.executeUpdate() == 1;
    }
  }

  /** RUNNING → QUEUED: the call never reached a node (the gateway was busy or stopping). False when it is not running. */
  public boolean requeue(Connection c, String id) throws SQLException {
    try (PreparedStatement s = c.prepareStatement("UPDATE easyremote_jobs SET state = 'QUEUED', attempts = attempts - 1 "
        + "WHERE id = ? AND state = 'RUNNING'")) {
      s.setString(1, id);
      return s.executeUpdate() == 1;
    }
  }

  /**
   * Finishes a job that has not finished yet: SUCCEEDED with a result, or FAILED / CANCELLED with
   * an error. Drops the stored request. False when it had already finished (the other outcome won).
   */
  public boolean finish(Connection c, String id, JobRow.State state, String nodeId, byte[] result, boolean resultBinary,
      String errorCode, byte[] error, long now, long expiresAt) throws SQLException {
    if (!state.isFinal() || state == JobRow.State.EXPIRED) {
      throw new IllegalArgumentException("finish needs SUCCEEDED, FAILED or CANCELLED: " + state);
    }
    try (PreparedStatement s = c.prepareStatement("UPDATE easyremote_jobs SET state = ?, node_id = ?, result = ?, "
        + "result_binary = ?, error_code = ?, error = ?, finished_at = ?, expires_at = ?, request = NULL "
        + "WHERE id = ? AND state IN ('QUEUED', 'RUNNING')")) {
      s.setString(1, state.name());
      s.setString(2, nodeId);
      bytes(s, 3, result);
      s.setBoolean(4, resultBinary);
      s.setString(5, errorCode);
      bytes(s, 6, error);
      s.setLong(7, now);
      s.setLong(8, expiresAt);
      s.setString(9, id);
      return s.executeUpdate() == 1;
    }
  }

  /** The job, if stored. */
  public Optional<JobRow> find(Connection c, String id) throws SQLException {
    try (PreparedStatement s = c.prepareStatement("SELECT " + COLUMNS + " FROM easyremote_jobs WHERE id = ?")) {
      s.setString(1, id);
      try (ResultSet r = s.executeQuery()) {
        return r.next() ? Optional.of(row(r)) : Optional.empty();
      }
    }
  }

  /** The jobs of {@code gatewayId} that have not finished, oldest first: what to recover after a restart. */
  public List<JobRow> unfinished(Connection c, String gatewayId) throws SQLException {
    try (PreparedStatement s = c.prepareStatement("SELECT " + COLUMNS + " FROM easyremote_jobs "
        + "WHERE gateway_id = ? AND state IN ('QUEUED', 'RUNNING') ORDER BY created_at, id")) {
      s.setString(1, gatewayId);
      List<JobRow> rows = new ArrayList<>();
      try (ResultSet r = s.executeQuery()) {
        while (r.next()) {
          rows.add(row(r));
        }
      }
      return rows;
    }
  }

  /** Finished jobs whose time is up become EXPIRED, their result and error dropped. Returns how many. */
  public int expire(Connection c, long now) throws SQLException {
    try (PreparedStatement s = c.prepareStatement("UPDATE easyremote_jobs SET state = 'EXPIRED', result = NULL, error = NULL "
        + "WHERE expires_at > 0 AND expires_at <= ? AND state IN ('SUCCEEDED', 'FAILED', 'CANCELLED')")) {
      s.setLong(1, now);
      return s.executeUpdate();
    }
  }

  /** Deletes EXPIRED jobs that expired before {@code before}. Returns how many. */
  public int purge(Connection c, long before) throws SQLException {
    try (PreparedStatement s = c.prepareStatement("DELETE FROM easyremote_jobs WHERE state = 'EXPIRED' AND expires_at < ?")) {
      s.setLong(1, before);
      return s.executeUpdate();
    }
  }

  /** How many jobs are stored and not expired (the store's bound counts these). */
  public long countLive(Connection c) throws SQLException {
    try (PreparedStatement s = c.prepareStatement("SELECT COUNT(*) FROM easyremote_jobs WHERE state <> 'EXPIRED'");
        ResultSet r = s.executeQuery()) {
      r.next();
      return r.getLong(1);
    }
  }

  /** The number of stored jobs in each state (absent = none). */
  public java.util.Map<JobRow.State, Long> countByState(Connection c) throws SQLException {
    java.util.Map<JobRow.State, Long> counts = new java.util.EnumMap<>(JobRow.State.class);
    try (PreparedStatement s = c.prepareStatement("SELECT state, COUNT(*) FROM easyremote_jobs GROUP BY state");
        ResultSet r = s.executeQuery()) {
      while (r.next()) {
        counts.put(JobRow.State.valueOf(r.getString(1)), r.getLong(2));
      }
    }
    return counts;
  }

  private static void bytes(PreparedStatement s, int index, byte[] value) throws SQLException {
    if (value == null) {
      s.setNull(index, Types.BINARY);
    } else {
      s.setBytes(index, value);
    }
  }

  private static JobRow row(ResultSet r) throws SQLException {
    return new JobRow(r.getString(1), r.getString(2), r.getString(3), r.getString(4), r.getBytes(5), r.getLong(6),
        JobRow.State.valueOf(r.getString(7)), r.getBoolean(8), r.getInt(9), r.getString(10), r.getBytes(11), r.getBoolean(12),
        r.getString(13), r.getBytes(14), r.getLong(15), r.getLong(16), r.getLong(17), r.getLong(18));
  }
}
