package io.easyremote.gateway.internal.jobs;

import com.google.protobuf.ByteString;
import com.google.protobuf.InvalidProtocolBufferException;
import io.easyremote.gateway.internal.core.CallGrant;
import io.easyremote.gateway.internal.core.CallRequestSpec;
import io.easyremote.gateway.internal.core.CallScheduler;
import io.easyremote.gateway.internal.core.CallSink;
import io.easyremote.gateway.internal.core.PendingCall;
import io.easyremote.gateway.internal.core.Requirements;
import io.easyremote.gateway.internal.core.StatusViews;
import io.easyremote.protocol.ErrorCode;
import io.easyremote.protocol.Strategy;
import io.easyremote.protocol.internal.Names;
import io.easyremote.protocol.internal.Wire;
import io.easyremote.protocol.wire.CallRequest;
import io.easyremote.protocol.wire.Encoding;
import io.easyremote.protocol.wire.Error;
import io.easyremote.protocol.wire.FunctionSpec;
import io.easyremote.protocol.wire.JobState;
import io.easyremote.protocol.wire.JobStatus;
import io.easyremote.protocol.wire.Payload;
import io.easyremote.protocol.wire.SubmitJobRequest;
import io.easyremote.store.JobRow;
import io.easyremote.store.JobTable;
import io.easyremote.store.Store;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Consumer;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Durable async jobs: a job is stored before it is acknowledged, then run as an ordinary call
 * through the scheduler (auth, deadlines, queueing and balancing apply), and its outcome is stored
 * before anyone is told. Every front end (HTTP, gRPC) goes through here.
 *
 * <p>States in the store: QUEUED (stored, not yet handed to the scheduler), RUNNING (handed to the
 * scheduler: it may have reached a node), then SUCCEEDED / FAILED / CANCELLED, later EXPIRED.
 * A job moves to RUNNING in the store <em>before</em> its call is submitted, so after a crash
 * ({@code kill -9}) every job is accounted for: QUEUED ones run, RUNNING ones run again when their
 * function is idempotent and fail with {@link ErrorCode#JOB_INTERRUPTED} otherwise, since they may
 * have run. At most {@code maxRunningJobs} are RUNNING at once, the rest wait in FIFO order.
 *
 * <p>One lock guards the in-memory view of unfinished jobs; watchers are told under it (they must
 * only hand the status on). Store writes complete on the store's writer thread.
 */
public final class JobService implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(JobService.class);
  /**
   * For this long after start, a job whose function no node offers yet waits for one instead of
   * failing: after a gateway restart its nodes need a while to reconnect (their backoff can exceed
   * the scheduler's own registration grace), and a recovered job must not fail for that.
   */
  private static final long NODE_WAIT_AFTER_START_NANOS = TimeUnit.SECONDS.toNanos(30);

  private final Store store;
  private final JobTable table = new JobTable();
  private final CallScheduler scheduler;
  private final StatusViews status;
  private final Function<String, CallGrant> grants;
  private final JobSettings settings;
  private final ScheduledExecutorService timer;
  private final SecureRandom random = new SecureRandom();
  private final AtomicLong stored = new AtomicLong();

  private final ReentrantLock lock = new ReentrantLock();
  // Guarded by lock.
  private final Map<String, LiveJob> live = new HashMap<>();
  private final TreeMap<Long, LiveJob> queue = new TreeMap<>();
  private int running;
  private long nextSeq;
  private volatile boolean closing;
  private volatile long startedNanos = System.nanoTime();

  /**
   * @param grants the grant of a principal (null = anonymous), for jobs recovered after a restart;
   *     returns null when that key no longer exists
   */
  public JobService(Store store, CallScheduler scheduler, StatusViews status, Function<String, CallGrant> grants,
      JobSettings settings) {
    this.store = store;
    this.scheduler = scheduler;
    this.status = status;
    this.grants = grants;
    this.settings = settings;
    this.timer = Executors.newSingleThreadScheduledExecutor(r -> {
      Thread t = new Thread(r, "easyremote-jobs");
      t.setDaemon(true);
      return t;
    });
  }

  /** The store the jobs live in. */
  public Store store() {
    return store;
  }

  // ------------------------------------------------------------------ start: recovery

  /** Recovers this gateway's unfinished jobs from the store (see the class comment) and starts the expiry sweep. */
  public void start() {
    startedNanos = System.nanoTime();
    stored.set(store.read(table::countLive));
    List<JobRow> rows = store.read(c -> table.unfinished(c, settings.gatewayId()));
    int queued = 0;
    int rerun = 0;
    List<CompletableFuture<Boolean>> interrupted = new ArrayList<>();
    for (JobRow row : rows) {
      CallRequest request;
      try {
        request = CallRequest.parseFrom(row.request());
      } catch (InvalidProtocolBufferException | NullPointerException e) {
        interrupted.add(finishRow(row, Wire.error(ErrorCode.INTERNAL, "Job " + row.id() + " could not be read back: " + e)));
        continue;
      }
      if (row.state() == JobRow.State.QUEUED || row.idempotent()) {
        if (row.state() == JobRow.State.QUEUED) {
          queued++;
        } else {
          rerun++;
        }
        lock.lock();
        try {
          LiveJob job = new LiveJob(row.id(), row.owner(), request, row.timeoutMs(), row.createdAt(), nextSeq++, null);
          job.attempts = row.attempts();
          live.put(job.id, job);
          queue.put(job.seq, job);
        } finally {
          lock.unlock();
        }
      } else {
        interrupted.add(finishRow(row, Wire.error(ErrorCode.JOB_INTERRUPTED, "Job " + row.id() + " ('" + row.function()
            + "') was running when the gateway stopped; '" + row.function() + "' is not idempotent, so it was not run again: "
            + "it may or may not have taken effect.").toBuilder().setReachedNode(true)
            .setNodeId(row.nodeId() == null ? "" : row.nodeId()).build()));
      }
    }
    CompletableFuture.allOf(interrupted.toArray(CompletableFuture[]::new)).join();
    if (!rows.isEmpty()) {
      log.info("Recovered {} unfinished jobs from {}: {} queued, {} running again (idempotent), {} failed with JOB_INTERRUPTED",
          rows.size(), store.description(), queued, rerun, interrupted.size());
    }
    long sweepMillis = Math.max(1000, Math.min(60_000, settings.retention().toMillis() / 10));
    timer.scheduleWithFixedDelay(this::sweep, sweepMillis, sweepMillis, TimeUnit.MILLISECONDS);
    pump();
  }

  private CompletableFuture<Boolean> finishRow(JobRow row, Error error) {
    long now = System.currentTimeMillis();
    return store.write(c -> table.finish(c, row.id(), JobRow.State.FAILED, row.nodeId(), null, false,
        Wire.fromWire(error.getCode()).name(), error.toByteArray(), now, now + settings.retention().toMillis()));
  }

  private void sweep() {
    long now = System.currentTimeMillis();
    store.write(c -> {
      int expired = table.expire(c, now);
      table.purge(c, now - settings.retention().toMillis());
      return expired;
    }).whenComplete((expired, failure) -> {
      if (failure != null) {
        log.warn("Expiring old jobs failed: {}", failure.toString());
      } else if (expired > 0) {
        stored.addAndGet(-expired);
      }
    });
  }

  // ------------------------------------------------------------------ submit

  /**
   * Stores a new job and queues it; the future completes once it is stored, with its status, or
   * with a {@link JobError} (nothing was stored).
   */
  public CompletableFuture<JobStatus> submit(SubmitJobRequest request, CallGrant grant) {
    try {
      return submitChecked(request, grant);
    } catch (JobError e) {
      return CompletableFuture.failedFuture(e);
    }
  }

  private CompletableFuture<JobStatus> submitChecked(SubmitJobRequest request, CallGrant grant) {
    CallRequest call = request.getCall();
    String function = call.getFunction();
    String problem = Names.functionNameProblem(function);
    if (problem != null) {
      throw new JobError(ErrorCode.INVALID_REQUEST, "Invalid function name: " + problem + ".");
    }
    if (!call.getStrategy().isEmpty()) {
      try {
        Strategy.fromWireName(call.getStrategy());
      } catch (IllegalArgumentException e) {
        throw new JobError(ErrorCode.INVALID_REQUEST, e.getMessage());
      }
    }
    if (grant != CallGrant.OPEN && grant.principal() == null) {
      throw new JobError(ErrorCode.UNAUTHENTICATED, "Async jobs need a client key, so that only you can read or cancel yours: "
          + "send Authorization: Bearer <key>.");
    }
    if (closing) {
      throw new JobError(ErrorCode.UNAVAILABLE, "The gateway is shutting down; submit the job again once it is back.");
    }
    long timeoutMs = request.getTimeoutMs() > 0 ? request.getTimeoutMs() : settings.defaultTimeout().toMillis();
    if (timeoutMs > CallRequestSpec.MAX_TIMEOUT.toMillis()) {
      throw new JobError(ErrorCode.INVALID_REQUEST, "A job's timeout may be at most " + CallRequestSpec.MAX_TIMEOUT.toDays() + " days, got " + timeoutMs + " ms.");
    }
    FunctionSpec spec = status.spec(function);
    if (spec != null) { // refuse at once what the key may never run; limits apply when it runs
      Error refused = grant.admit(function, spec);
      if (refused == null) {
        grant.release();
      } else if (refused.getCode() != Wire.toWire(ErrorCode.OVERLOADED)) {
        throw new JobError(refused);
      }
    }
    if (stored.get() >= settings.maxStoredJobs()) {
      throw new JobError(Wire.error(ErrorCode.OVERLOADED, "The gateway holds " + settings.maxStoredJobs()
          + " jobs, its limit; retry once some have finished and expired.").toBuilder().setRetryAfterMs(1000).build());
    }
    String id = "job_" + HexFormat.of().formatHex(randomBytes());
    String owner = JobAccess.ownerOf(grant);
    long now = System.currentTimeMillis();
    JobRow row = JobRow.queued(id, owner, settings.gatewayId(), function, call.toByteArray(), timeoutMs, now);
    stored.incrementAndGet();
    return store.write(c -> {
      table.insert(c, row);
      return null;
    }).handle((ok, failure) -> {
      if (failure != null) {
        stored.decrementAndGet();
        log.warn("Could not store a job for '{}': {}", function, failure.toString());
        throw new JobError(ErrorCode.UNAVAILABLE, "The gateway could not store the job (" + failure.getCause().getMessage()
            + "); it was not accepted, so submitting it again is safe.");
      }
      JobStatus accepted;
      lock.lock();
      try {
        LiveJob job = new LiveJob(id, owner, call, timeoutMs, now, nextSeq++, grant);
        live.put(id, job);
        queue.put(job.seq, job);
        accepted = snapshot(job);
      } finally {
        lock.unlock();
      }
      pump();
      return accepted;
    });
  }

  private byte[] randomBytes() {
    byte[] bytes = new byte[16];
    random.nextBytes(bytes);
    return bytes;
  }

  // ------------------------------------------------------------------ running

  /** Hands queued jobs to the scheduler while fewer than maxRunningJobs run. */
  private void pump() {
    List<LiveJob> starting = new ArrayList<>();
    lock.lock();
    try {
      while (!closing && running < settings.maxRunningJobs() && !queue.isEmpty()) {
        LiveJob job = queue.pollFirstEntry().getValue();
        job.state = JobState.JOB_RUNNING;
        running++;
        starting.add(job);
      }
    } finally {
      lock.unlock();
    }
    for (LiveJob job : starting) {
      begin(job);
    }
  }

  /** RUNNING in the store first; only then may the call reach a node. */
  private void begin(LiveJob job) {
    FunctionSpec spec = status.spec(job.request.getFunction());
    boolean idempotent = spec != null && spec.getIdempotent();
    long now = System.currentTimeMillis();
    store.write(c -> table.start(c, job.id, idempotent, now)).whenComplete((started, failure) -> {
      if (failure != null) {
        log.warn("Could not start job {}: {}; retrying in 1 s", job.id, failure.toString());
        requeueLater(job, 1000);
        return;
      }
      if (!started) { // finished meanwhile (cancelled)
        release(job);
        pump();
        return;
      }
      boolean cancel;
      lock.lock();
      try {
        job.startedAt = now;
        job.attempts++;
        cancel = job.cancelRequested;
      } finally {
        lock.unlock();
      }
      if (cancel) {
        finish(job, JobRow.State.CANCELLED, null, null, cancelled(job));
      } else {
        run(job);
      }
    });
  }

  private void run(LiveJob job) {
    CallGrant grant = job.grant != null ? job.grant : grants.apply(job.owner.isEmpty() ? null : job.owner);
    if (grant == null) {
      finish(job, JobRow.State.FAILED, null, null, Wire.error(ErrorCode.UNAUTHENTICATED,
          "The client key '" + job.owner + "' that submitted job " + job.id + " is no longer configured."));
      return;
    }
    CallRequest r = job.request;
    long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(job.timeoutMs);
    CallRequestSpec spec = new CallRequestSpec(r.getFunction(), r.getNodeId().isEmpty() ? null : r.getNodeId(), r.getPayload(),
        "job:" + (job.owner.isEmpty() ? job.id : job.owner), deadline, false, 0,
        r.getStrategy().isEmpty() ? null : Strategy.fromWireName(r.getStrategy()), Requirements.fromWire(r.getRequirements()),
        r.getIdempotencyKey().isEmpty() ? null : r.getIdempotencyKey(),
        r.getRetry().getMaxAttempts() > 0 ? r.getRetry().getMaxAttempts() : CallRequestSpec.DEFAULT_FAILOVER_ATTEMPTS,
        r.getRetry().getRetryNonIdempotent(), grant);
    PendingCall call = scheduler.submit(spec, new JobSink(job));
    boolean cancel;
    lock.lock();
    try {
      job.call = call;
      cancel = job.cancelRequested;
    } finally {
      lock.unlock();
    }
    if (cancel) {
      scheduler.cancel(call, ErrorCode.CANCELLED, cancelled(job).getMessage());
    }
  }

  /** Where a job's call reports. */
  private final class JobSink implements CallSink {
    private final LiveJob job;

    JobSink(LiveJob job) {
      this.job = job;
    }

    @Override
    public java.util.Map<String, String> onDispatch(String nodeId, int attempt) {
      job.nodeId = nodeId;
      timer.execute(() -> changed(job));
      return java.util.Map.of();
    }

    @Override
    public void onResult(Payload payload, String nodeId) {
      if (payload.getData().size() > settings.maxResultBytes()) {
        finish(job, JobRow.State.FAILED, nodeId, null, Wire.error(ErrorCode.PAYLOAD_TOO_LARGE, "Job " + job.id + "'s result is "
            + payload.getData().size() + " bytes, more than the " + settings.maxResultBytes() + " bytes a job may store.")
            .toBuilder().setReachedNode(true).setNodeId(nodeId).build());
        return;
      }
      finish(job, JobRow.State.SUCCEEDED, nodeId, payload, null);
    }

    @Override
    public void onError(Error error) {
      ErrorCode code = Wire.fromWire(error.getCode());
      boolean neverRan = !error.getReachedNode();
      if (neverRan && (code == ErrorCode.OVERLOADED || code == ErrorCode.UNAVAILABLE)) {
        // Busy or stopping: the call never reached a node. Back to QUEUED; a stopping gateway runs it after restart.
        requeueLater(job, Math.max(100, Math.min(10_000, error.getRetryAfterMs())));
        return;
      }
      if (neverRan && code == ErrorCode.FUNCTION_NOT_FOUND && System.nanoTime() - startedNanos < NODE_WAIT_AFTER_START_NANOS) {
        requeueLater(job, 1000); // nodes still reconnecting after a restart
        return;
      }
      boolean byOwner;
      lock.lock();
      try {
        byOwner = job.cancelRequested;
      } finally {
        lock.unlock();
      }
      if (code == ErrorCode.CANCELLED && byOwner) {
        finish(job, JobRow.State.CANCELLED, job.nodeId, null, cancelled(job));
      } else {
        finish(job, JobRow.State.FAILED, error.getNodeId().isEmpty() ? job.nodeId : error.getNodeId(), null, error);
      }
    }
  }

  /** Back to QUEUED in the store, then (unless the gateway is stopping) in the queue after {@code delayMillis}. */
  private void requeueLater(LiveJob job, long delayMillis) {
    store.write(c -> table.requeue(c, job.id)).whenComplete((ok, failure) -> {
      lock.lock();
      try {
        running--;
        job.state = JobState.JOB_QUEUED;
        job.call = null;
        job.nodeId = null;
        if (Boolean.TRUE.equals(ok)) {
          job.attempts = Math.max(0, job.attempts - 1);
        }
      } finally {
        lock.unlock();
      }
      if (closing) {
        return;
      }
      try {
        timer.schedule(() -> {
          boolean cancel;
          lock.lock();
          try {
            cancel = job.cancelRequested;
            if (!cancel) {
              queue.put(job.seq, job);
            }
          } finally {
            lock.unlock();
          }
          if (cancel) {
            finish(job, JobRow.State.CANCELLED, null, null, cancelled(job));
          }
          pump();
        }, delayMillis, TimeUnit.MILLISECONDS);
      } catch (java.util.concurrent.RejectedExecutionException e) {
        // closed meanwhile: the job stays QUEUED in the store
      }
    });
  }

  private void finish(LiveJob job, JobRow.State state, String nodeId, Payload result, Error error) {
    long now = System.currentTimeMillis();
    long expires = now + settings.retention().toMillis();
    byte[] resultBytes = result == null ? null : result.getData().toByteArray();
    boolean binary = result != null && result.getEncoding() == Encoding.BINARY;
    String code = error == null ? null : Wire.fromWire(error.getCode()).name();
    store.write(c -> table.finish(c, job.id, state, nodeId, resultBytes, binary, code, error == null ? null : error.toByteArray(),
        now, expires)).whenComplete((changed, failure) -> {
          if (failure != null) {
            log.error("Could not store the outcome of job {} ({}): it stays unfinished in the store and is recovered on restart",
                job.id, failure.toString());
            release(job);
            return;
          }
          if (!Boolean.TRUE.equals(changed)) {
            release(job);
            pump();
            return;
          }
          JobStatus.Builder done = JobStatus.newBuilder()
              .setJobId(job.id).setFunction(job.request.getFunction()).setState(toWire(state)).setCreatedAtMs(job.createdAt)
              .setStartedAtMs(job.startedAt).setFinishedAtMs(now).setExpiresAtMs(expires).setAttempts(job.attempts);
          if (nodeId != null) {
            done.setNodeId(nodeId);
          }
          if (result != null) {
            done.setResult(result);
          }
          if (error != null) {
            done.setError(error);
          }
          release(job, done.build());
          pump();
        });
  }

  private static Error cancelled(LiveJob job) {
    return Wire.error(ErrorCode.CANCELLED, "Job " + job.id + " was cancelled by its owner.");
  }

  /** The job is no longer live: forget it, free its slot, and tell its watchers {@code last} (null: read it back). */
  private void release(LiveJob job, JobStatus last) {
    List<Consumer<JobStatus>> watchers;
    lock.lock();
    try {
      if (live.remove(job.id) == null) {
        return;
      }
      queue.remove(job.seq);
      if (job.state == JobState.JOB_RUNNING) {
        running--;
      }
      job.state = last != null ? last.getState() : JobState.JOB_CANCELLED;
      watchers = new ArrayList<>(job.watchers);
      job.watchers.clear();
    } finally {
      lock.unlock();
    }
    if (!watchers.isEmpty()) {
      JobStatus status = last;
      if (status == null) {
        status = store.read(c -> table.find(c, job.id)).map(JobService::toStatus).orElse(null);
      }
      for (Consumer<JobStatus> w : watchers) {
        if (status != null) {
          w.accept(status);
        }
      }
    }
  }

  private void release(LiveJob job) {
    release(job, null);
  }

  /** Tells a live job's watchers its status now. */
  private void changed(LiveJob job) {
    lock.lock();
    try {
      if (live.get(job.id) != job || job.watchers.isEmpty()) {
        return;
      }
      JobStatus now = snapshot(job);
      for (Consumer<JobStatus> w : List.copyOf(job.watchers)) {
        w.accept(now);
      }
    } finally {
      lock.unlock();
    }
  }

  // ------------------------------------------------------------------ get, cancel, watch

  /**
   * The job's status.
   *
   * @throws JobError {@link ErrorCode#JOB_NOT_FOUND} when it does not exist or belongs to another key
   */
  public JobStatus get(String id, CallGrant grant) {
    lock.lock();
    try {
      LiveJob job = live.get(id);
      if (job != null) {
        check(job.owner, grant, id);
        return snapshot(job);
      }
    } finally {
      lock.unlock();
    }
    JobRow row = stored(id, grant);
    return toStatus(row);
  }

  /**
   * Cancels the job unless it already finished; completes with its status afterwards (a job that
   * finished first keeps its outcome).
   *
   * @throws JobError as {@link #get}
   */
  public CompletableFuture<JobStatus> cancel(String id, CallGrant grant) {
    CompletableFuture<JobStatus> done = new CompletableFuture<>();
    LiveJob job;
    boolean queued = false;
    PendingCall call = null;
    lock.lock();
    try {
      job = live.get(id);
      if (job != null) {
        check(job.owner, grant, id);
        job.cancelRequested = true;
        queued = queue.remove(job.seq) != null;
        call = job.call;
        job.watchers.add(s -> {
          if (isFinal(s.getState())) {
            done.complete(s);
          }
        });
      }
    } finally {
      lock.unlock();
    }
    if (job == null) {
      done.complete(get(id, grant));
      return done;
    }
    if (queued) {
      finish(job, JobRow.State.CANCELLED, null, null, cancelled(job));
    } else if (call != null) {
      scheduler.cancel(call, ErrorCode.CANCELLED, cancelled(job).getMessage());
    } // else starting or waiting to be queued again: those paths see cancelRequested
    return done;
  }

  /**
   * Sends {@code watcher} the job's status now and then each change, ending with a final state.
   * The watcher is called under a lock and must only hand the status on. Returns how to stop watching.
   *
   * @throws JobError as {@link #get}
   */
  public Runnable watch(String id, CallGrant grant, Consumer<JobStatus> watcher) {
    lock.lock();
    try {
      LiveJob job = live.get(id);
      if (job != null) {
        check(job.owner, grant, id);
        job.watchers.add(watcher);
        watcher.accept(snapshot(job));
        return () -> {
          lock.lock();
          try {
            job.watchers.remove(watcher);
          } finally {
            lock.unlock();
          }
        };
      }
    } finally {
      lock.unlock();
    }
    watcher.accept(toStatus(stored(id, grant)));
    return () -> {};
  }

  /** Jobs not finished in this gateway's memory (queued or running). */
  public int unfinished() {
    lock.lock();
    try {
      return live.size();
    } finally {
      lock.unlock();
    }
  }

  private JobRow stored(String id, CallGrant grant) {
    if (id == null || id.isEmpty() || id.length() > 64) {
      throw notFound(id);
    }
    Optional<JobRow> row = store.read(c -> table.find(c, id));
    if (row.isEmpty() || !JobAccess.mayAccess(grant, row.get().owner())) {
      throw notFound(id);
    }
    return row.get();
  }

  private static void check(String owner, CallGrant grant, String id) {
    if (!JobAccess.mayAccess(grant, owner)) {
      throw notFound(id);
    }
  }

  /** The same answer for a job that does not exist and one that is not the caller's: existence is not revealed. */
  private static JobError notFound(String id) {
    return new JobError(ErrorCode.JOB_NOT_FOUND, "No job '" + id + "' for this key: it was never submitted with it, or it "
        + "expired and was purged.");
  }

  // ------------------------------------------------------------------ statuses

  /** Under the lock. */
  private JobStatus snapshot(LiveJob job) {
    JobStatus.Builder b = JobStatus.newBuilder()
        .setJobId(job.id).setFunction(job.request.getFunction()).setState(job.state).setCreatedAtMs(job.createdAt)
        .setStartedAtMs(job.startedAt).setAttempts(job.attempts);
    if (job.state == JobState.JOB_QUEUED && queue.containsKey(job.seq)) {
      b.setQueuePosition(queue.headMap(job.seq).size());
    }
    String node = job.nodeId;
    if (node != null && job.state == JobState.JOB_RUNNING) {
      b.setNodeId(node);
    }
    return b.build();
  }

  /** A stored job's status. */
  static JobStatus toStatus(JobRow row) {
    JobStatus.Builder b = JobStatus.newBuilder()
        .setJobId(row.id()).setFunction(row.function()).setState(toWire(row.state())).setCreatedAtMs(row.createdAt())
        .setStartedAtMs(row.startedAt()).setFinishedAtMs(row.finishedAt()).setExpiresAtMs(row.expiresAt())
        .setAttempts(row.attempts());
    if (row.nodeId() != null) {
      b.setNodeId(row.nodeId());
    }
    if (row.result() != null) {
      b.setResult(Payload.newBuilder().setData(ByteString.copyFrom(row.result()))
          .setEncoding(row.resultBinary() ? Encoding.BINARY : Encoding.JSON));
    }
    if (row.error() != null) {
      try {
        b.setError(Error.parseFrom(row.error()));
      } catch (InvalidProtocolBufferException e) {
        b.setError(Wire.error(ErrorCode.INTERNAL, "The stored error of job " + row.id() + " could not be read."));
      }
    }
    return b.build();
  }

  static JobState toWire(JobRow.State state) {
    return switch (state) {
      case QUEUED -> JobState.JOB_QUEUED;
      case RUNNING -> JobState.JOB_RUNNING;
      case SUCCEEDED -> JobState.JOB_SUCCEEDED;
      case FAILED -> JobState.JOB_FAILED;
      case CANCELLED -> JobState.JOB_CANCELLED;
      case EXPIRED -> JobState.JOB_EXPIRED;
    };
  }

  /** Whether a job in this state will not change any more (but to expired). */
  public static boolean isFinal(JobState state) {
    return state != JobState.JOB_QUEUED && state != JobState.JOB_RUNNING && state != JobState.JOB_STATE_UNSPECIFIED;
  }

  // ------------------------------------------------------------------ lifecycle

  /** Stops starting jobs: from now on calls that fail because the gateway stops leave their jobs QUEUED for the next start. */
  public void stopStarting() {
    closing = true;
  }

  /** Stops the timers. The store is closed by its owner, after the scheduler has drained. */
  @Override
  public void close() {
    closing = true;
    timer.shutdownNow();
  }
}
