package io.easyremote.protocol;

/**
 * Why a remote call failed: the stable error vocabulary of EasyRemote, shared by every front end.
 *
 * <p>Each constant says what happened, whether retrying can help, and the HTTP status the REST
 * front end answers with. The names are part of the wire contract ({@code easyremote.proto}) and
 * never change meaning.
 */
public enum ErrorCode {
  /** No node offers a function of that name. The message lists the registered ones. Do not retry. HTTP 404. */
  FUNCTION_NOT_FOUND(404, false),
  /** The arguments do not fit the function: wrong count, wrong type, or malformed JSON. The message names the argument. Do not retry. HTTP 400. */
  INVALID_ARGUMENTS(400, false),
  /** The call's deadline passed while it was queued or running; a running call was cancelled on its node. Retry only with a longer deadline. HTTP 504. */
  DEADLINE_EXCEEDED(504, false),
  /** Nodes offer the function, but none can ever satisfy the call's requirements or pinned node. Do not retry unchanged. HTTP 503. */
  NO_NODE_AVAILABLE(503, false),
  /** Every node is busy and the function's queue is full. Safe to retry after {@link RemoteException#retryAfterMillis()}. HTTP 429. */
  OVERLOADED(429, true),
  /** The node running the call disconnected before answering. The function may have run: retry only if it is idempotent. HTTP 502. */
  NODE_LOST(502, true),
  /** The function threw; see {@link RemoteFunctionException} for the remote type, message and stack. HTTP 500. */
  FUNCTION_FAILED(500, false),
  /** The request or result is larger than the configured limit. Do not retry unchanged. HTTP 413. */
  PAYLOAD_TOO_LARGE(413, false),
  /** A bug or an unexpected state in EasyRemote itself; the message says where. HTTP 500. */
  INTERNAL(500, false),
  /** No credentials, or credentials that are not valid. HTTP 401. */
  UNAUTHENTICATED(401, false),
  /** Valid credentials that do not cover this function or node. HTTP 403. */
  PERMISSION_DENIED(403, false),
  /** The caller cancelled the call (or closed the client). HTTP 499. */
  CANCELLED(499, false),
  /** The gateway cannot be reached, or is shutting down. Safe to retry, possibly elsewhere. HTTP 503. */
  UNAVAILABLE(503, true),
  /** The request itself is malformed (bad function name syntax, bad option). Do not retry unchanged. HTTP 400. */
  INVALID_REQUEST(400, false),
  /** No async job of that id belongs to this caller: never submitted, submitted with another key, or purged after it expired. Do not retry. HTTP 404. */
  JOB_NOT_FOUND(404, false),
  /**
   * The gateway stopped (a crash or a restart) while this async job's function, which is not
   * idempotent, may have been running; it was not run again. It may or may not have taken effect:
   * submit it again only if a repeat is harmless. HTTP 502.
   */
  JOB_INTERRUPTED(502, true),
  /**
   * The function has a price and the caller's account cannot cover the most this call may cost
   * (its per-call price plus its per-second price times the call's deadline); no node ran it.
   * Retry after credits are granted, or with a shorter deadline. HTTP 402.
   */
  INSUFFICIENT_CREDITS(402, false),
  /**
   * The caller's account is over one of its quotas (calls per second, minute or day, execution
   * seconds per day), or every node that could run the call belongs to an owner whose nodes have
   * served others their share for the day; no node ran it. Retry after
   * {@link RemoteException#retryAfterMillis()}, when the window frees up. HTTP 429 with
   * {@code Retry-After}.
   */
  QUOTA_EXCEEDED(429, true);

  private final int httpStatus;
  private final boolean retryable;

  ErrorCode(int httpStatus, boolean retryable) {
    this.httpStatus = httpStatus;
    this.retryable = retryable;
  }

  /** The HTTP status the REST front end answers with for this code. */
  public int httpStatus() {
    return httpStatus;
  }

  /**
   * Whether a retry can succeed without changing the request. For {@link #NODE_LOST} that is only
   * true when the function is idempotent, see {@link RemoteException#reachedNode()}.
   */
  public boolean retryable() {
    return retryable;
  }
}
