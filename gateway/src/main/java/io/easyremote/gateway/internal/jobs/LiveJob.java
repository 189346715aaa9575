package io.easyremote.gateway.internal.jobs;

import io.easyremote.gateway.internal.core.CallGrant;
import io.easyremote.gateway.internal.core.PendingCall;
import io.easyremote.protocol.wire.CallRequest;
import io.easyremote.protocol.wire.JobState;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

/** A job that has not finished, in memory beside its row. Mutable fields are guarded by the service's lock. */
final class LiveJob {
  final String id;
  final String owner;
  final CallRequest request;
  final long timeoutMs;
  final long createdAt;
  /** Order of arrival (recovered jobs first), for FIFO and queue positions. */
  final long seq;
  /** The submitter's grant; null for a recovered job until it is looked up again. */
  CallGrant grant;

  JobState state = JobState.JOB_QUEUED;
  volatile String nodeId;
  long startedAt;
  int attempts;
  boolean cancelRequested;
  PendingCall call;
  final List<Consumer<io.easyremote.protocol.wire.JobStatus>> watchers = new ArrayList<>(1);

  LiveJob(String id, String owner, CallRequest request, long timeoutMs, long createdAt, long seq, CallGrant grant) {
    this.id = id;
    this.owner = owner;
    this.request = request;
    this.timeoutMs = timeoutMs;
    this.createdAt = createdAt;
    this.seq = seq;
    this.grant = grant;
  }
}
