package io.easyremote.gateway.internal.jobs;

import io.easyremote.protocol.ErrorCode;
import io.easyremote.protocol.internal.Wire;
import io.easyremote.protocol.wire.Error;

/** A job request refused: the front end answers it with the error's code and message. */
public final class JobError extends RuntimeException {
  private static final long serialVersionUID = 1L;
  private final transient Error error;

  JobError(Error error) {
    super(error.getMessage(), null, false, false);
    this.error = error;
  }

  JobError(ErrorCode code, String message) {
    this(Wire.error(code, message));
  }

  /** The error to answer with. */
  public Error error() {
    return error;
  }

  /** The error behind a failed future's exception, or an INTERNAL one. */
  public static Error of(Throwable t) {
    Throwable cause = t instanceof java.util.concurrent.CompletionException && t.getCause() != null ? t.getCause() : t;
    return cause instanceof JobError j ? j.error() : Wire.error(ErrorCode.INTERNAL, "The job store failed: " + cause.getMessage());
  }
}
