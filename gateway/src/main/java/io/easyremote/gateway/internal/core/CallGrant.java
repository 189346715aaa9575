package io.easyremote.gateway.internal.core;

import io.easyremote.protocol.wire.Error;
import io.easyremote.protocol.wire.FunctionSpec;

/**
 * What an authenticated caller may do. The scheduler asks {@link #admit} once per call, under its
 * lock, before routing; an admitted call is {@link #release}d exactly once when it completes.
 */
public interface CallGrant {
  /** Null when the call may proceed (and now counts against the caller's limits), else why not. */
  Error admit(String function, FunctionSpec spec);

  /** An admitted call finished. */
  void release();

  /** The caller's label for logs and fairness, or null for anonymous callers. */
  String principal();

  /** Everything is allowed: a gateway without client keys. */
  CallGrant OPEN = new CallGrant() {
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
  };
}
