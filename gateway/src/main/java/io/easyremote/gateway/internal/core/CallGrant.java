package io.easyremote.gateway.internal.core;

import io.easyremote.protocol.wire.Error;
import io.easyremote.protocol.wire.FunctionSpec;

/**
 * What an authenticated caller may do. The scheduler asks {@link #authorize} by name before it
 * looks anything up (so an error never tells a caller whether a function it may not call exists),
 * then {@link #admit} once per call, under its lock, with the function's spec; an admitted call is
 * {@link #release}d exactly once when it completes. Front ends ask {@link #may} before serving
 * listings and operator views, and filter listings with {@link #maySee}.
 */
public interface CallGrant {
  /** Null when the caller may call a function of this name (if it exists), else why not. */
  Error authorize(String function);

  /** Null when the call may proceed (and now counts against the caller's limits), else why not. */
  Error admit(String function, FunctionSpec spec);

  /** An admitted call finished. */
  void release();

  /** The caller's label for logs and fairness, or null for anonymous callers. */
  String principal();

  /** Whether listings and error messages may show this function to the caller. */
  boolean maySee(String function, FunctionSpec spec);

  /**
   * Whether this caller may call {@code function} at all (its scope, not its limits): the tools an
   * agent is shown. Counts nothing.
   */
  default boolean mayCall(String function, FunctionSpec spec) {
    return authorize(function) == null;
  }

  /** Whether the caller may do what {@code permission} covers. */
  boolean may(Permission permission);

  /**
   * Whose idempotency keys these are: a repeat of a key is matched only against the same caller's
   * earlier calls. The key's name for key holders, the remote host for anonymous callers.
   */
  String idempotencyScope();

  /** Everything is allowed: a gateway without client keys. */
  CallGrant OPEN = new CallGrant() {
    @Override
    public Error authorize(String function) {
      return null;
    }

    @Override
    public Error admit(String function, FunctionSpec spec) {
      return null;
    }

    @Override
    public void release() {}

    @Override
    public String principal() {
      return null;
    }

    @Override
    public boolean maySee(String function, FunctionSpec spec) {
      return true;
    }

    @Override
    public boolean may(Permission permission) {
      return true;
    }

    @Override
    public String idempotencyScope() {
      return "";
    }
  };
}
