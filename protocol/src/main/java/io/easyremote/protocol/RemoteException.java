package io.easyremote.protocol;

import java.util.Objects;

/**
 * A remote call that did not produce a result. {@link #code()} says why and whether to retry.
 *
 * <p>{@link #reachedNode()} is the retry-safety signal: {@code false} means the call certainly
 * never ran on any node (it was refused, or expired while queued), so retrying is safe even for a
 * function that is not idempotent. {@code true} means a node may have run it.
 */
public class RemoteException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  private final ErrorCode code;
  private final boolean reachedNode;
  private final long retryAfterMillis;
  private final String nodeId;

  /** An error that certainly did not reach a node. */
  public RemoteException(ErrorCode code, String message) {
    this(code, message, false, 0, null, null);
  }

  /** An error with every detail; {@code nodeId} and {@code cause} may be null. */
  public RemoteException(
      ErrorCode code, String message, boolean reachedNode, long retryAfterMillis, String nodeId, Throwable cause) {
    super(message, cause);
    this.code = Objects.requireNonNull(code, "code");
    this.reachedNode = reachedNode;
    this.retryAfterMillis = retryAfterMillis;
    this.nodeId = nodeId;
  }

  /** Why the call failed. */
  public ErrorCode code() {
    return code;
  }

  /** Whether a node may have started running the call; false means a retry is safe. */
  public boolean reachedNode() {
    return reachedNode;
  }

  /** For {@link ErrorCode#OVERLOADED}: how long to wait before retrying, in milliseconds; 0 if no hint. */
  public long retryAfterMillis() {
    return retryAfterMillis;
  }

  /** The node involved, when there was one (the one lost, or the one whose function threw); else null. */
  public String nodeId() {
    return nodeId;
  }

  @Override
  public String toString() {
    return code + ": " + getMessage();
  }
}
