package io.easyremote.gateway.internal.cluster;

import io.easyremote.gateway.internal.core.CallGrant;
import io.easyremote.gateway.internal.core.Permission;
import io.easyremote.protocol.wire.Error;
import io.easyremote.protocol.wire.FunctionSpec;

/**
 * The grant of a call another gateway forwarded here: exactly the caller's own grant on this
 * gateway, and a mark that the call came from a peer, so it is never forwarded again, unless it
 * was sent here as its idempotency key's home ({@link #keyHome()}): then it may go one hop further
 * to a gateway whose node runs it.
 */
final class PeerGrant implements CallGrant {
  private final CallGrant caller;
  private final boolean keyHome;

  PeerGrant(CallGrant caller) {
    this(caller, false);
  }

  PeerGrant(CallGrant caller, boolean keyHome) {
    this.caller = caller;
    this.keyHome = keyHome;
  }

  /** Whether the call was sent here because this gateway is its idempotency key's home. */
  boolean keyHome() {
    return keyHome;
  }

  @Override
  public Error authorize(String function) {
    return caller.authorize(function);
  }

  @Override
  public Error admit(String function, FunctionSpec spec) {
    return caller.admit(function, spec);
  }

  @Override
  public void release() {
    caller.release();
  }

  @Override
  public String principal() {
    return caller.principal();
  }

  @Override
  public boolean maySee(String function, FunctionSpec spec) {
    return caller.maySee(function, spec);
  }

  @Override
  public boolean mayCall(String function, FunctionSpec spec) {
    return caller.mayCall(function, spec);
  }

  @Override
  public boolean may(Permission permission) {
    return caller.may(permission);
  }

  @Override
  public String idempotencyScope() {
    return caller.idempotencyScope();
  }
}
