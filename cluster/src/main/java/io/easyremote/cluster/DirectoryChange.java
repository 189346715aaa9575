package io.easyremote.cluster;

/**
 * One change to the directory's view, as {@link DirectoryListener}s see it.
 *
 * @param gatewayId the gateway whose entry changed
 * @param kind what happened
 * @param view the whole view after the change
 */
public record DirectoryChange(String gatewayId, Kind kind, DirectoryView view) {
  /** What happened to a gateway's entry. */
  public enum Kind {
    /** The gateway appeared (its first complete snapshot arrived). */
    JOINED,
    /** Its nodes or its load changed. */
    UPDATED,
    /** It said goodbye. */
    LEFT,
    /** It was not heard from within the expiry, so its entries were dropped. */
    EXPIRED,
    /** It restarted (new epoch): its old entries were dropped; it rejoins with its next snapshot. */
    RESTARTED
  }
}
