package io.easyremote.cluster;

import java.util.Map;

/**
 * Counters of one directory since it started, for metrics and tests.
 *
 * @param received directory messages received from other gateways
 * @param applied messages that changed or confirmed the view
 * @param rejected messages ignored, by reason
 * @param syncRequests snapshots this directory asked others for (after a gap or a restart)
 * @param published messages this directory published (heartbeats, deltas, snapshot parts)
 * @param snapshotsPublished full snapshots this directory published
 */
public record DirectoryStats(long received, long applied, Map<Rejection, Long> rejected, long syncRequests, long published,
    long snapshotsPublished) {
  /** Copies the map. */
  public DirectoryStats {
    rejected = Map.copyOf(rejected);
  }

  /** How many messages were ignored for this reason. */
  public long rejected(Rejection reason) {
    return rejected.getOrDefault(reason, 0L);
  }

  /** Why a received message was ignored. */
  public enum Rejection {
    /** Not a directory message at all (bytes that do not parse). */
    MALFORMED,
    /** The message names another gateway than the subject it came on (a forged identity). */
    WRONG_GATEWAY,
    /** The message claims this directory's own gateway id: another process uses the same id. */
    OWN_ID,
    /** Parses and names its gateway, but breaks a rule (a bad name, an index out of range, over a limit). */
    INVALID
  }
}
