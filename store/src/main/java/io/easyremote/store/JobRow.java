package io.easyremote.store;

/**
 * One async job as stored. Times are epoch milliseconds, 0 when not (yet) set.
 *
 * @param id the job id (random, unguessable)
 * @param owner who submitted it: the client key's principal, {@code ""} on a gateway without keys
 * @param gatewayId the gateway that runs it
 * @param function the function called
 * @param request the call as protobuf bytes ({@code easyremote.v1.CallRequest}); null once finished
 * @param timeoutMs the job's deadline, counted from each start
 * @param state where it is
 * @param idempotent whether its function is idempotent (set when it starts running)
 * @param attempts how many times it was started
 * @param nodeId the node that ran it, or null
 * @param result the result payload (succeeded), or null
 * @param resultBinary whether {@code result} is raw bytes rather than JSON
 * @param errorCode the failure's code name (failed, cancelled), or null
 * @param error the failure as protobuf bytes ({@code easyremote.v1.Error}), or null
 * @param createdAt when it was accepted
 * @param startedAt when it last started running
 * @param finishedAt when it finished
 * @param expiresAt when its result is dropped (finished jobs)
 */
public record JobRow(
    String id, String owner, String gatewayId, String function, byte[] request, long timeoutMs, State state,
    boolean idempotent, int attempts, String nodeId, byte[] result, boolean resultBinary, String errorCode, byte[] error,
    long createdAt, long startedAt, long finishedAt, long expiresAt) {

  /** A job's life: QUEUED → RUNNING → one of the final states; a finished job later becomes EXPIRED. */
  public enum State {
    /** Accepted and stored, waiting to be started. */
    QUEUED,
    /** Handed to the gateway's scheduler: waiting for a node's slot or running on it. */
    RUNNING,
    /** Finished with a result. */
    SUCCEEDED,
    /** Finished with an error. */
    FAILED,
    /** Cancelled by its owner before it finished. */
    CANCELLED,
    /** Finished long enough ago that its result was dropped. */
    EXPIRED;

    /** Whether the job will not change any more (but to EXPIRED). */
    public boolean isFinal() {
      return this != QUEUED && this != RUNNING;
    }
  }

  /** A new job, queued. */
  public static JobRow queued(String id, String owner, String gatewayId, String function, byte[] request, long timeoutMs,
      long createdAt) {
    return new JobRow(id, owner, gatewayId, function, request, timeoutMs, State.QUEUED, false, 0, null, null, false, null, null,
        createdAt, 0, 0, 0);
  }
}
