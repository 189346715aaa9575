package io.easyremote.gateway.internal.core;

import io.easyremote.protocol.ErrorCode;

/** A node's Hello was refused; the node is sent {@code Rejected} with this code and message. */
public final class RegistrationException extends Exception {
  private static final long serialVersionUID = 1L;

  private final ErrorCode code;

  public RegistrationException(ErrorCode code, String message) {
    super(message, null, false, false);
    this.code = code;
  }

  public ErrorCode code() {
    return code;
  }
}
