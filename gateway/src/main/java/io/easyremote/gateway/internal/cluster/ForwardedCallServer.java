package io.easyremote.gateway.internal.cluster;

import com.google.protobuf.InvalidProtocolBufferException;
import io.easyremote.gateway.internal.core.CallGrant;
import io.easyremote.gateway.internal.core.CallRequestSpec;
import io.easyremote.gateway.internal.core.CallScheduler;
import io.easyremote.gateway.internal.core.CallSink;
import io.easyremote.gateway.internal.core.Requirements;
import io.easyremote.gateway.internal.core.StreamSink;
import io.easyremote.gateway.internal.security.CallerAuthentication;
import io.easyremote.protocol.ErrorCode;
import io.easyremote.protocol.Strategy;
import io.easyremote.protocol.internal.Wire;
import io.easyremote.protocol.wire.CallReply;
import io.easyremote.protocol.wire.CallRequest;
import io.easyremote.protocol.wire.Error;
import io.easyremote.protocol.wire.ForwardedCall;
import io.easyremote.protocol.wire.ForwardedCallBody;
import io.easyremote.protocol.wire.ForwardedReply;
import io.easyremote.protocol.wire.ForwardedStreamPart;
import io.easyremote.protocol.wire.StreamEnd;
import io.easyremote.protocol.wire.Payload;
import io.nats.client.Connection;
import io.nats.client.Message;
import java.util.EnumMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Serves the calls other gateways forward to this one ({@code easyremote.fwd.<gateway id>}): checks
 * the message (signature with the cluster secret, addressee, age, deadline), rebuilds the caller's
 * grant from this gateway's own access configuration, and runs the call through the normal
 * scheduler, whose answer goes back as a {@code CallReply} (a stream's as signed
 * {@code ForwardedStreamPart}s, paced by the credits its caller sends). The same subject carries
 * cancels, a stream's credits and operators' drains. Anything that fails a check is ignored (no
 * answer: a forger learns nothing) and counted. Thread-safe.
 */
final class ForwardedCallServer {
  private static final Logger log = LoggerFactory.getLogger(ForwardedCallServer.class);
  /** How far a forwarded call's timestamp may lie from this gateway's clock. */
  static final long MAX_CLOCK_SKEW_MILLIS = 30_000;

  /** Why a forwarded message was ignored. */
  enum Rejection {
    /** Does not parse. */
    MALFORMED,
    /** The signature does not verify with the cluster secret (or is missing). */
    BAD_SIGNATURE,
    /** Addressed to another gateway, or claims to come from this one. */
    WRONG_GATEWAY,
    /** Too old or from the future, beyond the allowed clock skew: a replay or a broken clock. */
    STALE,
    /** No reply subject: it was not sent as a request. */
    NO_REPLY_SUBJECT,
    /** A request id from that gateway seen before within the age window: a captured call sent again. */
    REPLAYED
  }

  private final String gatewayId;
  private final CallScheduler scheduler;
  private final CallerAuthentication authentication;
  private final ForwardSigner signer;
  private final Connection connection;
  private final AtomicLong served = new AtomicLong();
  /** Forwarded calls running here, by "from gateway/request id": what a cancel finds. */
  private final java.util.concurrent.ConcurrentHashMap<String, Running> running = new java.util.concurrent.ConcurrentHashMap<>();
  private final Map<Rejection, AtomicLong> rejected = new EnumMap<>(Rejection.class);
  /** Calls accepted within the age window, by "from gateway/request id": a repeat is a replay. */
  private final java.util.concurrent.ConcurrentHashMap<String, Boolean> seen = new java.util.concurrent.ConcurrentHashMap<>();
  /** The same keys in the order they came, with when each may be forgotten (its age check would refuse it by then). */
  private final java.util.concurrent.ConcurrentLinkedQueue<Seen> seenOrder = new java.util.concurrent.ConcurrentLinkedQueue<>();

  private record Seen(String key, long forgetAtMs) { }

  /** An answer signed for its requester, held while this gateway's connection to NATS is down. */
  private record HeldAnswer(String replyTo, String requester, long requestId, byte[] signed) { }

  /**
   * Answers made while this gateway's connection to NATS is down, in the order they were made (a
   * stream's parts stay in sequence): sent on the reconnect ({@link #connectionBack}), not handed
   * to the NATS client's buffer, whose writer loses what it takes before it notices the drop.
   */
  private final java.util.concurrent.ConcurrentLinkedQueue<HeldAnswer> held = new java.util.concurrent.ConcurrentLinkedQueue<>();
  /** Since when this gateway's connection to NATS has been down ({@link #connectionLost}); 0 while it is up. */
  private volatile long downSinceNanos;
  /** The gateways that forwarded calls here (at most {@link #MAX_REQUESTERS}): told on a reconnect, with the directory's. */
  private final java.util.Set<String> requesters = java.util.concurrent.ConcurrentHashMap.newKeySet();
  private static final int MAX_REQUESTERS = 1_000;
  /** Resync notices' ids: random start per run, so that a notice of an earlier run is never taken for a new one. */
  private final AtomicLong noticeIds = new AtomicLong(new java.security.SecureRandom().nextLong() & Long.MAX_VALUE);
  /** What a resync notice from another gateway is handed to: its id, its live request ids, ms since its reconnect. */
  private volatile ResyncListener resyncListener = (from, alive, sinceReconnectMillis) -> { };

  /** Hears another gateway's resync notice ({@link ClusterForwarder#peerResynced}). */
  interface ResyncListener {
    void resynced(String fromGateway, java.util.Set<Long> alive, long sinceReconnectMillis);
  }

  /** A forwarded call running here, and where its answer goes. */
  private record Running(io.easyremote.gateway.internal.core.PendingCall call, Reply reply) { }

  ForwardedCallServer(String gatewayId, CallScheduler scheduler, CallerAuthentication authentication, ForwardSigner signer,
      Connection connection) {
    this.gatewayId = gatewayId;
    this.scheduler = scheduler;
    this.authentication = authentication;
    this.signer = signer;
    this.connection = connection;
    for (Rejection r : Rejection.values()) {
      rejected.put(r, new AtomicLong());
    }
  }

  /** One message on this gateway's forward subject (a NATS dispatcher thread). */
  void onMessage(Message msg) {
    ForwardedCallBody body;
    try {
      ForwardedCall call = ForwardedCall.parseFrom(msg.getData());
      if (!signer.verify(call.getBody().toByteArray(), call.getMac().toByteArray())) {
        reject(Rejection.BAD_SIGNATURE, msg);
        return;
      }
      body = ForwardedCallBody.parseFrom(call.getBody());
    } catch (InvalidProtocolBufferException e) {
      reject(Rejection.MALFORMED, msg);
      return;
    }
    if (!body.getToGateway().equals(gatewayId) || body.getFromGateway().equals(gatewayId)) {
      reject(Rejection.WRONG_GATEWAY, msg);
      return;
    }
    if (Math.abs(System.currentTimeMillis() - body.getIssuedAtMs()) > MAX_CLOCK_SKEW_MILLIS) {
      reject(Rejection.STALE, msg);
      return;
    }
    String key = body.getFromGateway() + "/" + body.getRequestId();
    if (body.getResync()) {
      if (!firstTime("resync:" + key, body.getIssuedAtMs())) {
        reject(Rejection.REPLAYED, msg);
        return;
      }
      resyncListener.resynced(body.getFromGateway(), java.util.Set.copyOf(body.getAliveRequestIdsList()), body.getSinceReconnectMs());
      return;
    }
    if (body.getCancel()) {
      Running call = running.get(key);
      if (call != null) {
        scheduler.cancel(call.call(), ErrorCode.CANCELLED, "The caller cancelled the call at gateway '" + body.getFromGateway() + "'.");
      }
      return;
    }
    if (!body.hasCall() && body.getDrainNode().isEmpty()) {
      Running stream = running.get(key);
      if (stream != null && body.getCreditsTotal() > 0) {
        long more = stream.reply().creditsUpTo(body.getCreditsTotal());
        if (more > 0) {
          scheduler.credit(stream.call(), (int) Math.min(Integer.MAX_VALUE, more));
        }
      }
      return; // credits for a stream that ended meanwhile, or a repeat: nothing to do
    }
    String replyTo = msg.getReplyTo();
    if (replyTo == null || replyTo.isEmpty()) {
      reject(Rejection.NO_REPLY_SUBJECT, msg);
      return;
    }
    if (!firstTime(key, body.getIssuedAtMs())) {
      reject(Rejection.REPLAYED, msg);
      return;
    }
    if (!body.getDrainNode().isEmpty()) {
      drain(body, replyTo);
      return;
    }
    served.incrementAndGet();
    if (!requesters.contains(body.getFromGateway()) && requesters.size() < MAX_REQUESTERS) { // a read first: the set rarely changes
      requesters.add(body.getFromGateway());
    }
    Reply reply = new Reply(replyTo, key, body.getFromGateway(), body.getRequestId(), body.getStream(),
        body.getStream() ? body.getCall().getStreamCredits() : 0);
    CallRequestSpec spec;
    try {
      spec = toSpec(body);
    } catch (IllegalArgumentException e) {
      reply.onError(Wire.error(ErrorCode.INVALID_REQUEST, e.getMessage()));
      return;
    }
    if (spec == null) {
      reply.onError(Wire.error(ErrorCode.PERMISSION_DENIED, "Gateway '" + gatewayId + "' has no client key '" + body.getPrincipal()
          + "': every gateway of a cluster needs the same access configuration."));
      return;
    }
    io.easyremote.gateway.internal.core.PendingCall call = scheduler.submit(spec, reply);
    if (!reply.sent) {
      running.put(key, new Running(call, reply));
      if (reply.sent) { // answered in between
        running.remove(key);
      }
    }
  }

  /** An operator's drain of a node held here, sent by the gateway the operator asked: allowed only to a key that may administer here. */
  private void drain(ForwardedCallBody body, String replyTo) {
    CallGrant grant = authentication.forPeer(body.getPrincipal().isEmpty() ? null : body.getPrincipal(), body.getFromGateway());
    CallReply reply;
    if (grant == null || !grant.may(io.easyremote.gateway.internal.core.Permission.ADMINISTER)) {
      reply = Wire.errorReply(Wire.error(ErrorCode.PERMISSION_DENIED, "Key '" + body.getPrincipal() + "' may not drain nodes on gateway '"
          + gatewayId + "' (every gateway of a cluster needs the same access configuration)."));
      log.warn("Cluster {}: refused a drain of '{}' from gateway {} for key '{}'", gatewayId, body.getDrainNode(), body.getFromGateway(),
          body.getPrincipal());
    } else {
      int running = scheduler.drainNode(body.getDrainNode(), body.getDrainGraceMs());
      reply = running < 0
          ? Wire.errorReply(Wire.error(ErrorCode.NO_NODE_AVAILABLE, "No node '" + body.getDrainNode() + "' is connected to gateway '" + gatewayId + "'."))
          : CallReply.newBuilder().setPayload(Payload.newBuilder().setData(
              io.easyremote.protocol.wire.DrainNodeReply.newBuilder().setInFlight(running).build().toByteString())).build();
    }
    answer(replyTo, body.getFromGateway(), body.getRequestId(), reply.toByteArray());
  }

  /** Publishes {@code bytes} (a reply or a stream part) to {@code requester}'s request, signed for it. */
  private void answer(String replyTo, String requester, long requestId, byte[] bytes) {
    byte[] signed = ForwardedReply.newBuilder().setReply(com.google.protobuf.ByteString.copyFrom(bytes))
        .setMac(com.google.protobuf.ByteString.copyFrom(signer.signReply(gatewayId, requester, requestId, bytes))).build().toByteArray();
    HeldAnswer answer = new HeldAnswer(replyTo, requester, requestId, signed);
    if (downSinceNanos != 0 || connection.getStatus() != Connection.Status.CONNECTED || !held.isEmpty()) {
      held.add(answer); // behind the answers held before it
      if (downSinceNanos == 0 && connection.getStatus() == Connection.Status.CONNECTED) {
        releaseHeld(null); // back meanwhile: nothing else would send it
      }
      return;
    }
    publish(answer);
  }

  private void publish(HeldAnswer answer) {
    try {
      connection.publish(answer.replyTo(), answer.signed());
    } catch (RuntimeException e) {
      log.debug("Cluster {}: answer to request {} of gateway {} not sent", gatewayId, answer.requestId(), answer.requester(), e);
    }
  }

  /**
   * Sends the held answers in order. Each leaves the queue only once it is published, so an answer
   * made meanwhile sees the queue non-empty and queues behind it: a stream's parts never overtake.
   */
  private synchronized int releaseHeld(Map<String, java.util.Set<Long>> released) {
    int sent = 0;
    for (HeldAnswer answer; (answer = held.peek()) != null; ) {
      publish(answer);
      held.poll();
      if (released != null) {
        released.computeIfAbsent(answer.requester(), k -> new java.util.HashSet<>()).add(answer.requestId());
      }
      sent++;
    }
    return sent;
  }

  /** Where resync notices from other gateways go. */
  void onResync(ResyncListener listener) {
    resyncListener = listener;
  }

  /**
   * This gateway's connection to NATS dropped: answers made from now on are held until it is back
   * ({@link #connectionLost} may come again for each failed reconnect).
   */
  void connectionLost() {
    if (downSinceNanos == 0) {
      long now = System.nanoTime();
      downSinceNanos = now == 0 ? 1 : now;
    }
  }

  /**
   * This gateway's connection to NATS is back: sends the answers held meanwhile, then tells each
   * gateway of {@code directoryPeers} and each that forwarded calls here that answers sent around
   * the drop may be lost, naming its requests still running here or just answered. That gateway
   * fails its other requests to this one sent before the reconnect (lost on the way here, or their
   * answers lost on the way back) instead of waiting for their deadlines. Runs on the NATS
   * client's event thread.
   */
  void connectionBack(java.util.Collection<String> directoryPeers) {
    long back = System.nanoTime();
    java.util.Set<String> peers = new java.util.TreeSet<>(directoryPeers);
    peers.addAll(requesters);
    int sent;
    Map<String, java.util.Set<Long>> alive = new java.util.HashMap<>();
    synchronized (this) {
      // The calls running now, read while answers are still held: one that ends from here on is
      // answered either from the queue (counted below) or after the reconnect, and is alive either way.
      for (Running call : running.values()) {
        alive.computeIfAbsent(call.reply().requester, k -> new java.util.HashSet<>()).add(call.reply().requestId);
      }
      sent = releaseHeld(alive);
      downSinceNanos = 0;
      sent += releaseHeld(alive); // made while the flag was being cleared
    }
    for (String peer : peers) {
      if (peer.equals(gatewayId)) {
        continue;
      }
      java.util.Set<Long> ids = alive.getOrDefault(peer, java.util.Set.of());
      ForwardedCallBody notice = ForwardedCallBody.newBuilder().setFromGateway(gatewayId).setToGateway(peer)
          .setIssuedAtMs(System.currentTimeMillis()).setRequestId(noticeIds.incrementAndGet()).setResync(true)
          .addAllAliveRequestIds(ids).setSinceReconnectMs(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - back)).build();
      byte[] bytes = notice.toByteArray();
      byte[] message = ForwardedCall.newBuilder().setBody(com.google.protobuf.ByteString.copyFrom(bytes))
          .setMac(com.google.protobuf.ByteString.copyFrom(signer.sign(bytes))).build().toByteArray();
      try {
        connection.publish(GatewayCluster.FORWARD_SUBJECT + "." + peer, message);
      } catch (RuntimeException e) {
        log.debug("Cluster {}: resync notice to {} not sent", gatewayId, peer, e);
      }
    }
    log.info("Cluster {}: connection to NATS back; sent {} answer(s) held meanwhile and a resync notice to {} gateway(s)", gatewayId, sent,
        peers.stream().filter(p -> !p.equals(gatewayId)).count());
  }

  /**
   * Whether this is the first time the call {@code key} arrives. Keys are kept until the age check
   * would refuse the call anyway (issued + {@link #MAX_CLOCK_SKEW_MILLIS}): at most about a minute
   * of forwarded calls, some 100 bytes each.
   */
  private boolean firstTime(String key, long issuedAtMs) {
    long now = System.currentTimeMillis();
    for (Seen oldest; (oldest = seenOrder.peek()) != null && oldest.forgetAtMs() < now; ) {
      if (seenOrder.remove(oldest)) {
        seen.remove(oldest.key());
      }
    }
    if (seen.putIfAbsent(key, Boolean.TRUE) != null) {
      return false;
    }
    seenOrder.add(new Seen(key, Math.max(now, issuedAtMs) + MAX_CLOCK_SKEW_MILLIS + 1_000));
    return true;
  }

  /** The call as this gateway's scheduler takes it, or null when the caller's key is not configured here. */
  private CallRequestSpec toSpec(ForwardedCallBody body) {
    CallRequest call = body.getCall();
    CallGrant grant = authentication.forPeer(body.getPrincipal().isEmpty() ? null : body.getPrincipal(), body.getAnonymousHost());
    if (grant == null) {
      return null;
    }
    long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(Math.max(0, body.getDeadlineMs()));
    Strategy strategy = call.getStrategy().isEmpty() ? null : Strategy.fromWireName(call.getStrategy());
    int attempts = call.getRetry().getMaxAttempts() > 0 ? call.getRetry().getMaxAttempts() : CallRequestSpec.DEFAULT_FAILOVER_ATTEMPTS;
    return new CallRequestSpec(call.getFunction(), call.getNodeId().isEmpty() ? null : call.getNodeId(), call.getPayload(),
        body.getCaller().isEmpty() ? "gateway " + body.getFromGateway() : body.getCaller(), deadline, body.getStream(),
        body.getStream() ? Math.max(1, call.getStreamCredits()) : 0, strategy,
        Requirements.fromWire(call.getRequirements()), call.getIdempotencyKey().isEmpty() ? null : call.getIdempotencyKey(), attempts,
        call.getRetry().getRetryNonIdempotent(), new PeerGrant(grant, body.getKeyHome() && !call.getIdempotencyKey().isEmpty()));
  }

  private void reject(Rejection why, Message msg) {
    long n = rejected.get(why).incrementAndGet();
    if (n == 1 || n % 1000 == 0) {
      log.warn("Cluster {}: ignored a forwarded call on {} ({}; {} so far)", gatewayId, msg.getSubject(), why, n);
    }
  }

  /**
   * Waits up to {@code timeoutNanos} until every forwarded call accepted here has been answered
   * (its reply handed to NATS); false when some are still running.
   */
  synchronized boolean awaitAnswered(long timeoutNanos) throws InterruptedException {
    long until = System.nanoTime() + timeoutNanos;
    while (!running.isEmpty()) {
      long left = until - System.nanoTime();
      if (left <= 0) {
        return false;
      }
      TimeUnit.NANOSECONDS.timedWait(this, Math.min(left, TimeUnit.MILLISECONDS.toNanos(50)));
    }
    return true;
  }

  private synchronized void answered() {
    notifyAll();
  }

  /** Forwarded calls accepted and run through the scheduler. */
  long served() {
    return served.get();
  }

  /** Forwarded messages ignored, all reasons together. */
  long rejected() {
    return rejected.values().stream().mapToLong(AtomicLong::get).sum();
  }

  /** Forwarded messages ignored for this reason. */
  long rejected(Rejection why) {
    return rejected.get(why).get();
  }

  /**
   * Sends the scheduler's answer back to the forwarding gateway: one {@code CallReply}, or for a
   * stream its parts in order (items as they come, within the caller's credits, then the end).
   */
  private final class Reply implements StreamSink {
    private final String replyTo;
    private final String key;
    private final String requester;
    private final long requestId;
    private final boolean stream;
    /** Streams: the next part's sequence number (parts come from one thread at a time). */
    private long seq;
    /** Streams: the caller's credits applied here so far (its gateway sends running totals). */
    private long credits;
    volatile boolean sent;

    Reply(String replyTo, String key, String requester, long requestId, boolean stream, long initialCredits) {
      this.replyTo = replyTo;
      this.key = key;
      this.requester = requester;
      this.requestId = requestId;
      this.stream = stream;
      this.credits = initialCredits;
    }

    /** The caller has granted {@code total} credits in all: how many of them are new here (0 for a repeat). */
    synchronized long creditsUpTo(long total) {
      long more = total - credits;
      if (more <= 0) {
        return 0;
      }
      credits = total;
      return more;
    }

    @Override
    public void onResult(Payload payload, String nodeId) {
      finish(CallReply.newBuilder().setPayload(payload).setNodeId(nodeId == null ? "" : nodeId).build());
    }

    @Override
    public void onError(Error error) {
      finish(Wire.errorReply(error));
    }

    @Override
    public void onItem(Payload payload, String nodeId) {
      if (payload.getSerializedSize() + 128 > connection.getMaxPayload()) { // 128: the part and its signed envelope
        Running call = running.get(key);
        if (call != null) {
          scheduler.cancel(call.call(), ErrorCode.PAYLOAD_TOO_LARGE, "An item is " + payload.getSerializedSize()
              + " bytes; NATS carries at most " + connection.getMaxPayload() + " bytes between gateways.");
        }
        return; // the cancel ends the stream with that error
      }
      publish(ForwardedStreamPart.newBuilder().setSeq(seq++).setItem(payload).setNodeId(nullToEmpty(nodeId)).build().toByteArray());
    }

    @Override
    public void onEnd(long count, String nodeId) {
      sent = true;
      publish(ForwardedStreamPart.newBuilder().setSeq(seq++).setEnd(StreamEnd.newBuilder().setCount(count))
          .setNodeId(nullToEmpty(nodeId)).build().toByteArray());
      running.remove(key); // after the publish: a closing gateway waits for this (awaitAnswered), then flushes
      answered();
    }

    private void finish(CallReply reply) {
      sent = true;
      int size = reply.getSerializedSize();
      if (size + 128 > connection.getMaxPayload()) { // 128: the signed envelope (and a stream part's header)
        reply = CallReply.newBuilder().setError(Wire.error(ErrorCode.PAYLOAD_TOO_LARGE, "The result is " + size
            + " bytes; NATS carries at most " + connection.getMaxPayload() + " bytes between gateways (max_payload in nats-server's "
            + "configuration).").toBuilder().setReachedNode(true).setNodeId(reply.getNodeId())).build();
      }
      publish(stream ? ForwardedStreamPart.newBuilder().setSeq(seq++).setReply(reply).build().toByteArray() : reply.toByteArray());
      running.remove(key); // after the publish: a closing gateway waits for this (awaitAnswered), then flushes
      answered();
    }

    private void publish(byte[] bytes) {
      answer(replyTo, requester, requestId, bytes);
    }
  }

  private static String nullToEmpty(String s) {
    return s == null ? "" : s;
  }
}
