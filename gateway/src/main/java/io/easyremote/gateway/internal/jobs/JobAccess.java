package io.easyremote.gateway.internal.jobs;

import io.easyremote.gateway.internal.core.CallGrant;
import io.easyremote.gateway.internal.core.Permission;

/**
 * Who may see and cancel a job: the key that submitted it, or an admin key. On a gateway without client keys
 * ({@link CallGrant#OPEN}) every caller may, as every caller may call every function there.
 */
final class JobAccess {
  private JobAccess() {}

  /** The owner recorded for a job submitted with {@code grant}: its principal, or {@code ""} when it has none. */
  static String ownerOf(CallGrant grant) {
    return grant.principal() == null ? "" : grant.principal();
  }

  /** Whether {@code grant} may see and cancel a job owned by {@code owner}. */
  static boolean mayAccess(CallGrant grant, String owner) {
    if (grant == CallGrant.OPEN) {
      return true;
    }
    if (isAdmin(grant)) {
      return true;
    }
    return grant.principal() != null && grant.principal().equals(owner);
  }

  /** An admin key (scope {@code admin}) may see and cancel every job. */
  static boolean isAdmin(CallGrant grant) {
    return grant.may(Permission.ADMINISTER);
  }
}
