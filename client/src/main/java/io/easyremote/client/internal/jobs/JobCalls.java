package io.easyremote.client.internal.jobs;

import io.easyremote.client.internal.transport.GatewayChannel;
import io.easyremote.client.internal.transport.Rpc;
import io.easyremote.client.internal.transport.StatusErrors;
import io.easyremote.protocol.ErrorCode;
import io.easyremote.protocol.RemoteException;
import io.easyremote.protocol.wire.CallRequest;
import io.easyremote.protocol.wire.JobRef;
import io.easyremote.protocol.wire.JobState;
import io.easyremote.protocol.wire.JobStatus;
import io.easyremote.protocol.wire.JobsGrpc;
import io.easyremote.protocol.wire.SubmitJobRequest;
import io.grpc.ClientCall;
import io.grpc.Status;
import io.grpc.stub.ClientCalls;
import io.grpc.stub.StreamObserver;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Function;

/** The {@code Jobs} RPCs: submit, get, cancel, and watching a job until it is final. */
public final class JobCalls {
  /** How long a watch keeps trying while the gateway is unreachable (a restart) before it gives up. */
  private static final Duration WATCH_OUTAGE = Duration.ofSeconds(60);
  private static final ScheduledExecutorService RETRY = Executors.newSingleThreadScheduledExecutor(r -> {
    Thread t = new Thread(r, "easyremote-job-watch-retry");
    t.setDaemon(true);
    return t;
  });

  private JobCalls() {}

  /** Stores a job; completes with its status once the gateway stored it. */
  public static CompletableFuture<JobStatus> submit(GatewayChannel gateway, CallRequest call, Duration deadline) {
    return Rpc.unary(gateway, JobsGrpc.getSubmitJobMethod(), SubmitJobRequest.newBuilder().setCall(call).build(), deadline,
        "submitting '" + call.getFunction() + "'", Function.identity(), JobCalls::named);
  }

  public static CompletableFuture<JobStatus> get(GatewayChannel gateway, String id, Duration deadline) {
    return Rpc.unary(gateway, JobsGrpc.getGetJobMethod(), JobRef.newBuilder().setJobId(id).build(), deadline,
        "GetJob " + id, Function.identity(), JobCalls::named);
  }

  public static CompletableFuture<JobStatus> cancel(GatewayChannel gateway, String id, Duration deadline) {
    return Rpc.unary(gateway, JobsGrpc.getCancelJobMethod(), JobRef.newBuilder().setJobId(id).build(), deadline,
        "CancelJob " + id, Function.identity(), JobCalls::named);
  }

  /**
   * Completes with the job's final status. Follows {@code WatchJob}; when the gateway is
   * unreachable (restarting) it watches again, for up to a minute of outage. Cancelling the future
   * stops watching (the job itself keeps running).
   */
  public static CompletableFuture<JobStatus> awaitFinal(GatewayChannel gateway, String id) {
    CompletableFuture<JobStatus> done = new CompletableFuture<>();
    AtomicReference<ClientCall<JobRef, JobStatus>> current = new AtomicReference<>();
    done.whenComplete((s, t) -> {
      ClientCall<JobRef, JobStatus> call = current.get();
      if (call != null && done.isCancelled()) {
        call.cancel("The caller stopped waiting", null);
      }
    });
    watch(gateway, id, done, current, System.nanoTime() + WATCH_OUTAGE.toNanos());
    return done;
  }

  private static void watch(GatewayChannel gateway, String id, CompletableFuture<JobStatus> done,
      AtomicReference<ClientCall<JobRef, JobStatus>> current, long giveUpNanos) {
    if (done.isDone()) {
      return;
    }
    if (gateway.isClosed()) {
      done.completeExceptionally(new RemoteException(ErrorCode.CANCELLED, "The client was closed while waiting for job " + id + "."));
      return;
    }
    // A job may run for days: the stream itself has no deadline; reconnects are bounded by giveUpNanos.
    ClientCall<JobRef, JobStatus> unbounded = gateway.channel().newCall(JobsGrpc.getWatchJobMethod(),
        io.grpc.CallOptions.DEFAULT);
    current.set(unbounded);
    ClientCalls.asyncServerStreamingCall(unbounded, JobRef.newBuilder().setJobId(id).build(), new StreamObserver<>() {
      @Override
      public void onNext(JobStatus status) {
        if (isFinal(status.getState())) {
          done.complete(status);
        }
      }

      @Override
      public void onError(Throwable t) {
        Status status = Status.fromThrowable(t);
        boolean transientFailure = status.getCode() == Status.Code.UNAVAILABLE
            || (status.getCode() == Status.Code.CANCELLED && !done.isCancelled() && !gateway.isClosed());
        if (transientFailure && System.nanoTime() < giveUpNanos && !gateway.isClosed()) {
          RETRY.schedule(() -> watch(gateway, id, done, current, giveUpNanos), 200, TimeUnit.MILLISECONDS);
          return;
        }
        RemoteException named = named(status);
        done.completeExceptionally(named != null ? named
            : StatusErrors.toException(gateway, "watching job " + id, WATCH_OUTAGE, t));
      }

      @Override
      public void onCompleted() {
        if (!done.isDone()) { // ended without a final state: watch again
          RETRY.schedule(() -> watch(gateway, id, done, current, System.nanoTime() + WATCH_OUTAGE.toNanos()), 200,
              TimeUnit.MILLISECONDS);
        }
      }
    });
  }

  static boolean isFinal(JobState state) {
    return state != JobState.JOB_QUEUED && state != JobState.JOB_RUNNING && state != JobState.JOB_STATE_UNSPECIFIED;
  }

  /** The exception for a refusal whose description names its code ({@code "JOB_NOT_FOUND: ..."}), or null. */
  static RemoteException named(Status status) {
    String description = status.getDescription();
    if (description == null) {
      return null;
    }
    int colon = description.indexOf(": ");
    if (colon <= 0) {
      return null;
    }
    try {
      ErrorCode code = ErrorCode.valueOf(description.substring(0, colon));
      return new RemoteException(code, description.substring(colon + 2));
    } catch (IllegalArgumentException e) {
      return null;
    }
  }
}
