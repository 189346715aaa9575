package io.easyremote.gateway.internal.grpc;

import com.linecorp.armeria.server.ServiceRequestContext;
import io.easyremote.gateway.internal.core.CallGrant;
import io.easyremote.gateway.internal.jobs.JobError;
import io.easyremote.gateway.internal.jobs.JobService;
import io.easyremote.gateway.internal.security.CallerAuthentication;
import io.easyremote.protocol.ErrorCode;
import io.easyremote.protocol.internal.Wire;
import io.easyremote.protocol.wire.Error;
import io.easyremote.protocol.wire.JobRef;
import io.easyremote.protocol.wire.JobStatus;
import io.easyremote.protocol.wire.JobsGrpc;
import io.easyremote.protocol.wire.SubmitJobRequest;
import io.grpc.Status;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
import java.util.concurrent.Executor;

/**
 * The {@code Jobs} gRPC service: async jobs for gRPC callers, through {@link JobService}. A refused
 * request ends with a gRPC status whose description starts with the {@link ErrorCode} name
 * ({@code "JOB_NOT_FOUND: No job ..."}), so the client can name the exact code.
 */
public final class JobsService extends JobsGrpc.JobsImplBase {
  private final JobService jobs;
  private final CallerAuthentication authentication;

  public JobsService(JobService jobs, CallerAuthentication authentication) {
    this.jobs = jobs;
    this.authentication = authentication;
  }

  @Override
  public void submitJob(SubmitJobRequest request, StreamObserver<JobStatus> responses) {
    ServiceRequestContext ctx = ServiceRequestContext.current();
    Executor loop = ctx.eventLoop();
    CallGrant grant;
    try {
      grant = grantOf(ctx);
    } catch (CallerAuthentication.InvalidKeyException e) {
      responses.onError(status(Wire.error(ErrorCode.UNAUTHENTICATED, e.getMessage())));
      return;
    }
    jobs.submit(request, grant).whenComplete((status, failure) -> loop.execute(() -> {
      if (failure != null) {
        responses.onError(status(JobError.of(failure)));
      } else {
        responses.onNext(status);
        responses.onCompleted();
      }
    }));
  }

  @Override
  public void getJob(JobRef request, StreamObserver<JobStatus> responses) {
    try {
      responses.onNext(jobs.get(request.getJobId(), grantOf(ServiceRequestContext.current())));
      responses.onCompleted();
    } catch (JobError e) {
      responses.onError(status(e.error()));
    } catch (CallerAuthentication.InvalidKeyException e) {
      responses.onError(status(Wire.error(ErrorCode.UNAUTHENTICATED, e.getMessage())));
    }
  }

  @Override
  public void cancelJob(JobRef request, StreamObserver<JobStatus> responses) {
    ServiceRequestContext ctx = ServiceRequestContext.current();
    Executor loop = ctx.eventLoop();
    try {
      CallGrant grant = grantOf(ctx);
      jobs.cancel(request.getJobId(), grant).orTimeout(10, java.util.concurrent.TimeUnit.SECONDS)
          .whenComplete((status, failure) -> loop.execute(() -> {
            try {
              responses.onNext(failure == null ? status : jobs.get(request.getJobId(), grant));
              responses.onCompleted();
            } catch (JobError e) {
              responses.onError(status(e.error()));
            }
          }));
    } catch (JobError e) {
      responses.onError(status(e.error()));
    } catch (CallerAuthentication.InvalidKeyException e) {
      responses.onError(status(Wire.error(ErrorCode.UNAUTHENTICATED, e.getMessage())));
    }
  }

  @Override
  public void watchJob(JobRef request, StreamObserver<JobStatus> responses) {
    ServiceRequestContext ctx = ServiceRequestContext.current();
    ctx.clearRequestTimeout();
    ServerCallStreamObserver<JobStatus> out = (ServerCallStreamObserver<JobStatus>) responses;
    Executor loop = ctx.eventLoop();
    try {
      Runnable stop = jobs.watch(request.getJobId(), grantOf(ctx), status -> loop.execute(() -> {
        if (out.isCancelled()) {
          return;
        }
        out.onNext(status);
        if (JobService.isFinal(status.getState())) {
          out.onCompleted();
        }
      }));
      out.setOnCancelHandler(stop);
    } catch (JobError e) {
      responses.onError(status(e.error()));
    } catch (CallerAuthentication.InvalidKeyException e) {
      responses.onError(status(Wire.error(ErrorCode.UNAUTHENTICATED, e.getMessage())));
    }
  }

  private CallGrant grantOf(ServiceRequestContext ctx) throws CallerAuthentication.InvalidKeyException {
    return authentication.authenticate(ctx.request().headers().get("authorization"), String.valueOf(ctx.remoteAddress()));
  }

  /** The gRPC status for a refused job request, named by its code. */
  static io.grpc.StatusRuntimeException status(Error error) {
    ErrorCode code = Wire.fromWire(error.getCode());
    Status status = switch (code) {
      case JOB_NOT_FOUND, FUNCTION_NOT_FOUND -> Status.NOT_FOUND;
      case UNAUTHENTICATED -> Status.UNAUTHENTICATED;
      case PERMISSION_DENIED -> Status.PERMISSION_DENIED;
      case INVALID_REQUEST, INVALID_ARGUMENTS -> Status.INVALID_ARGUMENT;
      case OVERLOADED -> Status.RESOURCE_EXHAUSTED;
      case UNAVAILABLE -> Status.UNAVAILABLE;
      default -> Status.INTERNAL;
    };
    return status.withDescription(code.name() + ": " + error.getMessage()).asRuntimeException();
  }
}
