package io.easyremote.client;

import io.easyremote.client.internal.call.Await;
import io.easyremote.client.internal.codec.ResultReader;
import io.easyremote.client.internal.jobs.JobCalls;
import io.easyremote.client.internal.transport.GatewayChannel;
import io.easyremote.protocol.ErrorCode;
import io.easyremote.protocol.RemoteException;
import io.easyremote.protocol.internal.Wire;
import io.easyremote.protocol.wire.JobStatus;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.CompletableFuture;

/**
 * An async job on the gateway: long work whose result is read later, from this process or another
 * ({@link Client#job(String, Class)} with the {@link #id()}). The gateway stored the job before
 * {@link Client#submit} returned, and keeps its outcome for its retention time (24 h by default);
 * a gateway restart does not lose it.
 *
 * <pre>{@code
 * Job<Report> job = client.submit("buildReport", Report.class, "2026-Q3");
 * String id = job.id();                                  // keep it; any process can resume
 * Report report = client.job(id, Report.class).result().join();
 * }</pre>
 *
 * <p>Thread-safe; a handle holds no resources beyond its client's connection.
 *
 * @param <T> the type the result is read as
 */
public final class Job<T> {
  private final GatewayChannel gateway;
  private final String id;
  private final String function;
  private final ResultReader<T> reader;
  private final Duration deadline;

  Job(GatewayChannel gateway, String id, String function, ResultReader<T> reader, Duration deadline) {
    this.gateway = gateway;
    this.id = id;
    this.function = function;
    this.reader = reader;
    this.deadline = deadline;
  }

  /** Where a job is. */
  public enum State {
    /** Stored, waiting for its turn. */
    QUEUED,
    /** Handed to a node (or waiting for a free one). */
    RUNNING,
    /** Finished with a result. */
    SUCCEEDED,
    /** Finished with an error ({@link Status#error()}). */
    FAILED,
    /** Cancelled before it finished. */
    CANCELLED,
    /** Finished so long ago that the gateway dropped its result. */
    EXPIRED;

    /** Whether the job will not change any more (but to EXPIRED). */
    public boolean isFinal() {
      return this != QUEUED && this != RUNNING;
    }
  }

  /**
   * A job's status at one moment.
   *
   * @param id the job id
   * @param function the function it runs
   * @param state where it is
   * @param queuePosition QUEUED: jobs ahead of it; 0 otherwise
   * @param nodeId the node running or that ran it, or null
   * @param attempts how many times it was started (more than one: re-run after a lost node or a gateway restart)
   * @param createdAt when it was accepted
   * @param finishedAt when it finished, or null
   * @param expiresAt when its result will be dropped, or null while it runs
   * @param error why it failed or was cancelled, or null
   */
  public record Status(String id, String function, State state, int queuePosition, String nodeId, int attempts,
      Instant createdAt, Instant finishedAt, Instant expiresAt, RemoteException error) {}

  /** The job's id: pass it to {@link Client#job(String, Class)} to resume from anywhere. */
  public String id() {
    return id;
  }

  /**
   * The job's status now, asked of the gateway within the client's deadline.
   *
   * @throws RemoteException {@link ErrorCode#JOB_NOT_FOUND} when no such job belongs to this
   *     client's key (or it was purged), or when the gateway cannot answer
   */
  public Status status() {
    return Await.result(JobCalls.get(gateway, id, deadline).thenApply(Job::toStatus), "GetJob " + id);
  }

  /**
   * The result, once the job finishes: the future completes with the value, or with a
   * {@link RemoteException} naming why the job failed ({@link ErrorCode#JOB_INTERRUPTED} when the
   * gateway stopped while a non-idempotent job ran, {@link ErrorCode#CANCELLED},
   * {@link ErrorCode#JOB_NOT_FOUND}, or the function's own error). The wait has no deadline of its
   * own and survives a gateway restart of up to a minute; cancelling the future stops waiting, not
   * the job (use {@link #cancel()}).
   */
  public CompletableFuture<T> result() {
    return JobCalls.awaitFinal(gateway, id).thenApply(this::valueOf);
  }

  /**
   * Cancels the job unless it already finished, and answers its status afterwards: CANCELLED, or
   * the outcome it reached first. A running job's node is told to interrupt it.
   *
   * @throws RemoteException {@link ErrorCode#JOB_NOT_FOUND} as for {@link #status()}
   */
  public Status cancel() {
    return Await.result(JobCalls.cancel(gateway, id, deadline).thenApply(Job::toStatus), "CancelJob " + id);
  }

  private T valueOf(JobStatus status) {
    return switch (status.getState()) {
      case JOB_SUCCEEDED -> reader.read(status.getFunction(), status.getResult(),
          status.getNodeId().isEmpty() ? null : status.getNodeId());
      case JOB_EXPIRED -> throw new RemoteException(ErrorCode.JOB_NOT_FOUND, "Job " + id + " finished at "
          + Instant.ofEpochMilli(status.getFinishedAtMs()) + " and its result has expired.");
      default -> throw status.hasError() ? Wire.toException(status.getError())
          : new RemoteException(ErrorCode.INTERNAL, "Job " + id + " ended as " + status.getState() + " without an error.");
    };
  }

  static Status toStatus(JobStatus s) {
    State state = switch (s.getState()) {
      case JOB_QUEUED -> State.QUEUED;
      case JOB_RUNNING -> State.RUNNING;
      case JOB_SUCCEEDED -> State.SUCCEEDED;
      case JOB_FAILED -> State.FAILED;
      case JOB_CANCELLED -> State.CANCELLED;
      case JOB_EXPIRED -> State.EXPIRED;
      default -> throw new RemoteException(ErrorCode.INTERNAL, "The gateway sent job " + s.getJobId() + " in an unknown state "
          + s.getState() + "; update the client.");
    };
    return new Status(s.getJobId(), s.getFunction(), state, s.getQueuePosition(), s.getNodeId().isEmpty() ? null : s.getNodeId(),
        s.getAttempts(), Instant.ofEpochMilli(s.getCreatedAtMs()), millis(s.getFinishedAtMs()), millis(s.getExpiresAtMs()),
        s.hasError() ? Wire.toException(s.getError()) : null);
  }

  private static Instant millis(long ms) {
    return ms > 0 ? Instant.ofEpochMilli(ms) : null;
  }

  /** The function this job runs, when known (null for a handle from {@link Client#job}). */
  public String function() {
    return function;
  }

  @Override
  public String toString() {
    return "Job{" + id + (function == null ? "" : ", " + function) + "}";
  }
}
