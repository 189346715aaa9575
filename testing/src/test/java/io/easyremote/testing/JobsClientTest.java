package io.easyremote.testing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.ByteString;
import io.easyremote.client.Client;
import io.easyremote.client.Job;
import io.easyremote.protocol.ErrorCode;
import io.easyremote.protocol.Remote;
import io.easyremote.protocol.RemoteException;
import io.easyremote.protocol.RemoteFunctionException;
import io.easyremote.protocol.TypeRef;
import io.easyremote.protocol.wire.CallRequest;
import io.easyremote.protocol.wire.JobRef;
import io.easyremote.protocol.wire.JobState;
import io.easyremote.protocol.wire.JobStatus;
import io.easyremote.protocol.wire.JobsGrpc;
import io.easyremote.protocol.wire.Payload;
import io.easyremote.protocol.wire.SubmitJobRequest;
import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/** Async jobs through the Java client (gRPC Jobs service): submit, result, status, cancel, resume by id. */
class JobsClientTest {
  static final CountDownLatch gate = new CountDownLatch(1);
  static final AtomicInteger interrupted = new AtomicInteger();

  /** The functions the jobs run. */
  public static final class Functions {
    @Remote(idempotent = true)
    public int add(int a, int b) {
      return a + b;
    }

    @Remote
    public List<String> split(String text) {
      return List.of(text.split(","));
    }

    @Remote
    public String fail(String message) {
      throw new IllegalArgumentException(message);
    }

    @Remote
    public String hold() throws InterruptedException {
      try {
        gate.await(60, TimeUnit.SECONDS);
        return "held";
      } catch (InterruptedException e) {
        interrupted.incrementAndGet();
        throw e;
      }
    }
  }

  /** Set by JUnit before the cluster starts (which reads it), deleted after the cluster has stopped. */
  @TempDir
  static Path state;

  @RegisterExtension
  static final TestCluster cluster = TestCluster.builder()
      .gateway(g -> g.state(state))
      .node("job-node", n -> n.register(new Functions()))
      .build();

  @Test
  void submit_thenResult_readsTheValue_andStatusShowsSucceeded() {
    Job<Integer> job = cluster.client().submit("add", Integer.class, 40, 2);
    assertThat(job.id()).startsWith("job_");
    assertThat(job.result().orTimeout(20, TimeUnit.SECONDS).join()).isEqualTo(42);
    Job.Status status = job.status();
    assertThat(status.state()).isEqualTo(Job.State.SUCCEEDED);
    assertThat(status.nodeId()).isEqualTo("job-node");
    assertThat(status.function()).isEqualTo("add");
    assertThat(status.attempts()).isEqualTo(1);
    assertThat(status.expiresAt()).isAfter(status.finishedAt());
  }

  @Test
  void job_resumedByIdFromAnotherClient_readsTheGenericResult() {
    String id = cluster.client().submit("split", new TypeRef<List<String>>() {}, "a,b,c").id();
    try (Client other = Client.connect(cluster.address())) {
      List<String> parts = other.job(id, new TypeRef<List<String>>() {}).result().orTimeout(20, TimeUnit.SECONDS).join();
      assertThat(parts).containsExactly("a", "b", "c");
    }
  }

  @Test
  void failedJob_resultFailsWithTheFunctionsError() {
    Job<String> job = cluster.client().submit("fail", String.class, "no good");
    assertThatThrownBy(() -> job.result().orTimeout(20, TimeUnit.SECONDS).join())
        .isInstanceOf(CompletionException.class)
        .cause().isInstanceOf(RemoteFunctionException.class).hasMessage("no good");
    assertThat(job.status().state()).isEqualTo(Job.State.FAILED);
    assertThat(job.status().error().code()).isEqualTo(ErrorCode.FUNCTION_FAILED);
  }

  @Test
  void cancel_runningJob_interruptsItsNode_andResultFailsCancelled() {
    int before = interrupted.get();
    Job<String> job = cluster.client().submit("hold", String.class);
    Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> "job-node".equals(job.status().nodeId()));
    assertThat(job.status().state()).isEqualTo(Job.State.RUNNING);
    Job.Status cancelled = job.cancel();
    assertThat(cancelled.state()).isEqualTo(Job.State.CANCELLED);
    assertThat(cancelled.error().code()).isEqualTo(ErrorCode.CANCELLED);
    Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> interrupted.get() > before);
    assertThatThrownBy(() -> job.result().orTimeout(20, TimeUnit.SECONDS).join())
        .cause().isInstanceOf(RemoteException.class).extracting(e -> ((RemoteException) e).code()).isEqualTo(ErrorCode.CANCELLED);
  }

  @Test
  void unknownJob_failsWithJobNotFound() {
    Job<Integer> nothing = cluster.client().job("job_00000000000000000000000000000000", Integer.class);
    assertThatThrownBy(nothing::status).isInstanceOf(RemoteException.class)
        .extracting(e -> ((RemoteException) e).code()).isEqualTo(ErrorCode.JOB_NOT_FOUND);
    assertThatThrownBy(() -> nothing.result().orTimeout(20, TimeUnit.SECONDS).join())
        .cause().isInstanceOf(RemoteException.class).extracting(e -> ((RemoteException) e).code()).isEqualTo(ErrorCode.JOB_NOT_FOUND);
  }

  @Test
  void rawSubmit_withATimeoutOverAYear_isRefusedBeforeStoring_andAYearIsTaken() throws Exception {
    ManagedChannel channel = ManagedChannelBuilder.forTarget(cluster.address()).usePlaintext().build();
    try {
      JobsGrpc.JobsBlockingStub jobs = JobsGrpc.newBlockingStub(channel).withDeadlineAfter(20, TimeUnit.SECONDS);
      long year = Duration.ofDays(365).toMillis();
      for (long tooLong : new long[] {year + 1, Long.MAX_VALUE}) {
        SubmitJobRequest request = SubmitJobRequest.newBuilder().setCall(addOneAndTwo()).setTimeoutMs(tooLong).build();
        assertThatThrownBy(() -> jobs.submitJob(request)).isInstanceOfSatisfying(StatusRuntimeException.class, e -> {
          assertThat(e.getStatus().getCode()).as("timeout %d ms", tooLong).isEqualTo(Status.Code.INVALID_ARGUMENT);
          assertThat(e.getStatus().getDescription()).startsWith("INVALID_REQUEST: ").contains("at most 365 days", Long.toString(tooLong));
        });
      }
      JobStatus taken = jobs.submitJob(SubmitJobRequest.newBuilder().setCall(addOneAndTwo()).setTimeoutMs(year).build());
      assertThat(taken.getJobId()).startsWith("job_");
      Awaitility.await().atMost(Duration.ofSeconds(20)).untilAsserted(() ->
          assertThat(jobs.getJob(JobRef.newBuilder().setJobId(taken.getJobId()).build()).getState())
              .isEqualTo(JobState.JOB_SUCCEEDED));
    } finally {
      channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    }
  }

  private static CallRequest addOneAndTwo() {
    return CallRequest.newBuilder().setFunction("add").setPayload(Payload.newBuilder().setData(ByteString.copyFromUtf8("[1, 2]"))).build();
  }
}
