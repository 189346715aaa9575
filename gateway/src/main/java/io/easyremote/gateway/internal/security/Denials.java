package io.easyremote.gateway.internal.security;

import io.easyremote.gateway.internal.core.CallGrant;
import io.easyremote.gateway.internal.core.Permission;
import io.easyremote.protocol.ErrorCode;
import io.easyremote.protocol.internal.Wire;
import io.easyremote.protocol.wire.Error;
import io.grpc.Status;

/** The answer to a caller who may not do an operation: UNAUTHENTICATED without a key, PERMISSION_DENIED with one. */
public final class Denials {
  private Denials() {}

  /** The error, with what would allow it. */
  public static Error error(CallGrant grant, Permission permission) {
    String needed = switch (permission) {
      case LIST -> "a client key with the 'read' (or 'admin') scope";
      case MONITOR -> "a client key with the 'admin' scope";
      case ADMINISTER -> "a client key with the 'admin' scope";
    };
    if (grant.principal() == null) {
      return Wire.error(ErrorCode.UNAUTHENTICATED, "This needs " + needed + ": send Authorization: Bearer <key>.");
    }
    return Wire.error(ErrorCode.PERMISSION_DENIED, "Key '" + grant.principal() + "' may not do this; it needs " + needed + ".");
  }

  /** The same as a gRPC status. */
  public static Status status(CallGrant grant, Permission permission) {
    Error error = error(grant, permission);
    Status status = grant.principal() == null ? Status.UNAUTHENTICATED : Status.PERMISSION_DENIED;
    return status.withDescription(error.getMessage());
  }
}
