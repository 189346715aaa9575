package io.easyremote.gateway.internal.cluster;

import io.easyremote.cluster.ClusterDirectory;
import io.easyremote.cluster.DirectoryView;
import io.easyremote.cluster.FunctionOffer;
import io.easyremote.cluster.GatewayEntry;
import io.easyremote.cluster.NodeHealth;
import io.easyremote.cluster.RemoteNode;
import io.easyremote.gateway.internal.core.CallRequestSpec;
import io.easyremote.gateway.internal.core.CallSink;
import io.easyremote.gateway.internal.core.RemoteGateways;
import io.easyremote.gateway.internal.core.RemoteGateways.RemoteFailure;
import io.easyremote.gateway.internal.core.Requirements;
import io.easyremote.gateway.internal.core.StreamSink;
import io.easyremote.protocol.ErrorCode;
import io.easyremote.protocol.Strategy;
import io.easyremote.protocol.internal.Wire;
import io.easyremote.protocol.wire.CallReply;
import io.easyremote.protocol.wire.CallRequest;
import io.easyremote.protocol.wire.Error;
import io.easyremote.protocol.wire.ForwardedCall;
import io.easyremote.protocol.wire.ForwardedCallBody;
import io.easyremote.protocol.wire.RetryPolicy;
import io.nats.client.Connection;
import io.nats.client.Message;
import io.easyremote.protocol.wire.ForwardedReply;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Sends calls and streams no local node can take to another gateway of the cluster, over NATS
 * request-reply on {@code easyremote.fwd.<gateway id>}, and hands the reply (a stream's parts, in
 * sequence) back unchanged; also an operator's drain of a node another gateway holds. The gateway is chosen
 * from the directory's view with the call's strategy at gateway granularity: a pinned call goes to
 * the gateway holding its node; round robin rotates; cost_aware takes the gateway with the
 * cheapest node that fits; every other strategy compares two random gateways by their free share
 * of capacity (power of two choices on the last heartbeat's load). Thread-safe.
 */
final class ClusterForwarder implements RemoteGateways {
  private static final Logger log = LoggerFactory.getLogger(ClusterForwarder.class);

  private final String gatewayId;
  private final ClusterDirectory directory;
  private final Connection connection;
  private final ForwardSigner signer;
  private final String subjectPrefix;
  /** Where answers that do not come in time are timed out: the cluster's timer thread, already awake for its own work. */
  private final ScheduledExecutorService timer;
  private final AtomicLong rotation = new AtomicLong();
  /** Request ids: random start per run, so a restarted gateway never reuses one its peers still hold. */
  private final AtomicLong requestIds = new AtomicLong(new java.security.SecureRandom().nextLong() & Long.MAX_VALUE);
  private static final Runnable NOTHING = () -> { };
  private final AtomicLong forwarded = new AtomicLong();
  /** Whether each function forwarded lately is idempotent where it went (kept after that gateway is gone). */
  private final java.util.concurrent.ConcurrentHashMap<String, Boolean> idempotent = new java.util.concurrent.ConcurrentHashMap<>();
  private static final int MAX_REMEMBERED = 10_000;
  /** Forwards that came back unanswered and were routed again. */
  private final AtomicLong unanswered = new AtomicLong();
  private final AtomicLong failed = new AtomicLong();
  /** Forwarded calls awaiting their answer (guarded by this object's monitor for waiting). */
  private int inFlight;
  /** Gateways skipped for now (no responders) or vanished lately, and why a call finds no gateway. */
  private final GatewayAbsences absences = new GatewayAbsences();
  /** Requests awaiting an answer, by gateway: failed at once when their gateway vanishes from the directory. */
  private final java.util.concurrent.ConcurrentHashMap<String, java.util.Set<CompletableFuture<byte[]>>> waiting =
      new java.util.concurrent.ConcurrentHashMap<>();

  /** This gateway's inbox for answers: {@code <inbox>.<request id>}; set by {@link #listen}. */
  private volatile String inbox;
  /** Requests awaiting their answer, by request id. */
  private final java.util.concurrent.ConcurrentHashMap<Long, Waiting> replies = new java.util.concurrent.ConcurrentHashMap<>();
  /** Messages on the inbox that were ignored: not signed by the gateway asked, malformed, or for no request waiting. */
  private final AtomicLong ignoredReplies = new AtomicLong();

  /** A request waiting for its answer: a unary call's one reply, or a stream's parts (then {@code stream} is set). */
  private record Waiting(String target, CompletableFuture<byte[]> answer, StreamFromGateway stream, long sentNanos, Outgoing out) { }

  /**
   * A forward on its way out: its subject, the inbox its answer goes to, the signed message, the
   * answer it waits for, and whether it left. It is handed to NATS at most once, or dropped before
   * that, never both: the first of {@link #claimToSend} and {@link #drop} wins, so a caller that
   * gives up on a held forward and the reconnect that sends it cannot both have their way, and "it
   * never left" stays true once said.
   */
  private static final class Outgoing {
    private static final int PENDING = 0;
    private static final int SENT = 1;
    private static final int DROPPED = 2;
    final String subject;
    final String replyTo;
    final byte[] message;
    final CompletableFuture<byte[]> answer;
    private final java.util.concurrent.atomic.AtomicInteger state = new java.util.concurrent.atomic.AtomicInteger(PENDING);

    Outgoing(String subject, String replyTo, byte[] message, CompletableFuture<byte[]> answer) {
      this.subject = subject;
      this.replyTo = replyTo;
      this.message = message;
      this.answer = answer;
    }

    /** True when this caller may hand it to NATS now (nobody dropped or sent it before). */
    boolean claimToSend() {
      return state.compareAndSet(PENDING, SENT);
    }

    /** True when it never left and never will (dropped now or before); false once it was sent. */
    boolean drop() {
      return state.compareAndSet(PENDING, DROPPED) || state.get() == DROPPED;
    }
  }
  /**
   * Forwards made while the forwarding connection is down, by their answer: published at
   * {@link #connectionBack}, not into the NATS client's buffer, which loses what its writer takes
   * before it notices the drop (the connection reports the drop before its writer stops, and a
   * batch written to the dead socket is gone). Held here, a forward is sent exactly once, and one
   * that runs out of time while held is known never to have left.
   */
  private final java.util.concurrent.ConcurrentHashMap<CompletableFuture<byte[]>, Outgoing> held = new java.util.concurrent.ConcurrentHashMap<>();
  /** When this gateway's forwarding connection last dropped ({@link #connectionLost}); 0 if never. */
  private volatile long connectionLostNanos;
  /** Since when it has been down, until it is back ({@link #connectionBack}); 0 while connected. */
  private volatile long cutOffSinceNanos;
  /**
   * How long a forward may wait in the NATS client's reconnect buffer: once this gateway's
   * forwarding connection has been down for longer, calls that must go to another gateway fail at
   * once with UNAVAILABLE (they never ran) instead of waiting for their deadline.
   */
  private final long cutOffGraceNanos;
  /** When a forward that timed out was last logged: at most one such line a second. */
  private final AtomicLong timeoutLoggedNanos = new AtomicLong();

  /**
   * A forwarder whose answers time out on {@code timer} (which should remove cancelled tasks: every
   * answer that comes in time cancels its timeout).
   */
  ClusterForwarder(String gatewayId, ClusterDirectory directory, Connection connection, ForwardSigner signer, String subjectPrefix,
      ScheduledExecutorService timer, Duration cutOffGrace) {
    this.cutOffGraceNanos = cutOffGrace.toNanos();
    this.gatewayId = gatewayId;
    this.directory = directory;
    this.connection = connection;
    this.signer = signer;
    this.subjectPrefix = subjectPrefix;
    this.timer = timer;
  }

  /**
   * {@code answer}, failed with a {@link TimeoutException} unless it completes within {@code nanos}.
   * Not {@link CompletableFuture#orTimeout}: that schedules on the JDK's own delay thread, where a
   * forwarded call's timeout was the only task, so every call woke that thread. Here the timer's
   * periodic work comes first, and a timeout that is not the earliest task wakes nothing.
   */
  private CompletableFuture<byte[]> within(CompletableFuture<byte[]> answer, long nanos) {
    try {
      ScheduledFuture<?> timeout = timer.schedule(() -> answer.completeExceptionally(new TimeoutException()), nanos, TimeUnit.NANOSECONDS);
      answer.whenComplete((bytes, failure) -> timeout.cancel(false));
    } catch (RejectedExecutionException e) {
      answer.completeExceptionally(new NotSent("this gateway is leaving the cluster"));
    }
    return answer;
  }

  /** Subscribes to its inbox for answers, before it forwards anything; the caller flushes the connection. */
  void listen() {
    String box = connection.createInbox();
    connection.createDispatcher(this::onReply).subscribe(box + ".*");
    inbox = box;
  }

  /**
   * One message on the inbox: NATS "no responders" for a request, or an answer, which completes its
   * request only when the gateway asked signed it for that request (anything else is ignored and
   * counted, and the request keeps waiting for its real answer).
   */
  private void onReply(Message msg) {
    String subject = msg.getSubject();
    long requestId;
    try {
      requestId = Long.parseLong(subject.substring(subject.lastIndexOf('.') + 1));
    } catch (NumberFormatException e) {
      ignoredReply("a subject without a request id");
      return;
    }
    Waiting waiting = replies.get(requestId);
    if (waiting == null) {
      ignoredReply("no request " + requestId + " waiting (late, or made up)");
      return;
    }
    if (msg.isStatusMessage()) {
      if (msg.getStatus().getCode() == 503) { // NATS: nobody listens on the gateway's subject
        waiting.answer().completeExceptionally(new CancellationException("no responders"));
      }
      return;
    }
    ForwardedReply signed;
    try {
      signed = ForwardedReply.parseFrom(msg.getData());
    } catch (com.google.protobuf.InvalidProtocolBufferException e) {
      ignoredReply("malformed");
      return;
    }
    byte[] bytes = signed.getReply().toByteArray();
    if (!signer.verifyReply(waiting.target(), gatewayId, requestId, bytes, signed.getMac().toByteArray())) {
      ignoredReply("not signed by gateway '" + waiting.target() + "' for request " + requestId);
      return;
    }
    if (waiting.stream() == null) {
      waiting.answer().complete(bytes);
    } else if (!waiting.stream().onPart(bytes)) {
      ignoredReply("a repeated part of stream " + requestId);
    }
  }

  private void ignoredReply(String why) {
    long n = ignoredReplies.incrementAndGet();
    if (n == 1 || n % 1000 == 0) {
      log.warn("Cluster {}: ignored a reply on its inbox ({}; {} so far)", gatewayId, why, n);
    }
  }

  /** Replies on this gateway's inbox that were ignored (forged, malformed, or for no request waiting). */
  long ignoredReplies() {
    return ignoredReplies.get();
  }

  @Override
  public String choose(CallRequestSpec request) {
    if (request.grant() instanceof PeerGrant peer && !peer.keyHome()) {
      return null; // forwarded here already: it runs here or fails here, never a second hop
    }
    DirectoryView view = directory.view();
    String target = choose(view, request, false);
    if (target != null) {
      remember(view, target, request.function());
    }
    return target;
  }

  @Override
  public String chooseFree(CallRequestSpec request) {
    if (request.grant() instanceof PeerGrant || request.pinnedNode() != null || cutOffFor(System.nanoTime()) > 0) {
      return null; // forwarded here already (never a second hop), bound to its node, or no way out now: it waits here
    }
    DirectoryView view = directory.view();
    String target = choose(view, request, true);
    if (target != null) {
      remember(view, target, request.function());
    }
    return target;
  }

  /** Notes whether the function is idempotent on the chosen gateway, for when that gateway is gone ({@link #mayRunTwice}). */
  private void remember(DirectoryView view, String target, String function) {
    GatewayEntry entry = view.gateways().get(target);
    if (entry == null) {
      return;
    }
    for (FunctionOffer offer : view.offers(function)) {
      if (offer.gatewayId().equals(target) && !offer.nodeIds().isEmpty()) {
        RemoteNode node = entry.nodes().get(offer.nodeIds().iterator().next());
        if (node != null) {
          if (idempotent.size() >= MAX_REMEMBERED && !idempotent.containsKey(function)) {
            idempotent.clear();
          }
          idempotent.put(function, node.idempotent().contains(function));
        }
        return;
      }
    }
  }

  @Override
  public String keyHome(CallRequestSpec request) {
    if (request.idempotencyKey() == null || request.grant() instanceof PeerGrant) {
      return null;
    }
    long now = System.nanoTime();
    String scope = request.grant().idempotencyScope() + "\u0000" + request.idempotencyKey();
    String home = gatewayId;
    long best = rendezvous(scope, gatewayId);
    for (String other : directory.view().gateways().keySet()) {
      long score = rendezvous(scope, other);
      if (absences.reachable(other, now) && (score > best || (score == best && other.compareTo(home) < 0))) {
        best = score;
        home = other;
      }
    }
    return home.equals(gatewayId) ? null : home;
  }

  /** Highest random weight: the key's score at {@code gatewayId}; adding or losing a gateway moves only the keys it wins or held. */
  static long rendezvous(String scopedKey, String gatewayId) {
    java.security.MessageDigest sha;
    try {
      sha = java.security.MessageDigest.getInstance("SHA-256");
    } catch (java.security.NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
    sha.update(gatewayId.getBytes(java.nio.charset.StandardCharsets.UTF_8));
    sha.update((byte) 0);
    byte[] d = sha.digest(scopedKey.getBytes(java.nio.charset.StandardCharsets.UTF_8));
    return java.nio.ByteBuffer.wrap(d).getLong();
  }

  @Override
  public boolean mayRunTwice(String function) {
    for (FunctionOffer offer : directory.view().offers(function)) {
      GatewayEntry entry = directory.view().gateways().get(offer.gatewayId());
      RemoteNode node = entry == null || offer.nodeIds().isEmpty() ? null : entry.nodes().get(offer.nodeIds().iterator().next());
      if (node != null) {
        return node.idempotent().contains(function);
      }
    }
    return Boolean.TRUE.equals(idempotent.get(function));
  }

  /** The gateway for {@code request} by its strategy; with {@code freeOnly}, only among gateways whose nodes report a free slot for it. */
  private String choose(DirectoryView view, CallRequestSpec request, boolean freeOnly) {
    long now = System.nanoTime();
    if (request.pinnedNode() != null) {
      for (GatewayEntry entry : view.gateways().values()) { // a node that moved may still be listed under its old gateway
        RemoteNode node = entry.nodes().get(request.pinnedNode());
        if (node != null && node.functions().contains(request.function()) && node.health() == NodeHealth.UP
            && absences.reachable(entry.gatewayId(), now)) {
          return entry.gatewayId();
        }
      }
      return null;
    }
    List<FunctionOffer> offers = new ArrayList<>();
    for (FunctionOffer offer : view.offers(request.function())) {
      if (offer.healthyNodes() > 0 && (!freeOnly || offer.freeSlots() > 0) && absences.reachable(offer.gatewayId(), now)
          && fits(view, offer, request.requirements())) {
        offers.add(offer);
      }
    }
    if (offers.isEmpty()) {
      return null;
    }
    if (offers.size() == 1) {
      return offers.get(0).gatewayId();
    }
    offers.sort(Comparator.comparing(FunctionOffer::gatewayId));
    Strategy strategy = request.strategy() == null ? Strategy.SMART : request.strategy();
    return switch (strategy) {
      case ROUND_ROBIN -> offers.get((int) Math.floorMod(rotation.getAndIncrement(), (long) offers.size())).gatewayId();
      case COST_AWARE -> offers.stream().min(Comparator.comparingDouble(o -> cheapest(view, o, request.requirements())))
          .orElseThrow().gatewayId();
      default -> twoChoices(offers);
    };
  }

  @Override
  public String chooseAwaited(CallRequestSpec request) {
    if ((request.grant() instanceof PeerGrant peer && !peer.keyHome()) || request.pinnedNode() != null) {
      return null; // forwarded here already (never a second hop), or bound to its node
    }
    long now = System.nanoTime();
    DirectoryView view = directory.view();
    Requirements requirements = request.requirements();
    for (FunctionOffer offer : view.offers(request.function())) {
      GatewayEntry entry = view.gateways().get(offer.gatewayId());
      if (entry == null || !absences.reachable(offer.gatewayId(), now)) {
        continue;
      }
      for (String id : offer.nodeIds()) {
        RemoteNode node = entry.nodes().get(id);
        if (node != null && node.health() == NodeHealth.SUSPECT && meets(node, requirements)) {
          return offer.gatewayId();
        }
      }
    }
    return null;
  }

  /** The directory's view after a change: kept, so that a gateway's offers are known once it vanishes from the next view. */
  void viewChanged(DirectoryView view) {
    absences.viewChanged(view);
  }

  /**
   * {@code gatewayId} vanished without saying goodbye (stopped heartbeating, or restarted): the
   * functions it offered, as of the view before, fail as UNAVAILABLE for a while when nobody
   * offers them ({@link #unserved}).
   */
  void gatewayVanished(String gatewayId) {
    absences.vanished(gatewayId, System.nanoTime());
  }

  @Override
  public Error unserved(CallRequestSpec request) {
    boolean mayGoOn = !(request.grant() instanceof PeerGrant peer) || peer.keyHome();
    return absences.unserved(directory.view(), request, mayGoOn, System.nanoTime());
  }

  /** {@code gatewayId} (re)joined the directory: it is worth trying again. */
  void gatewayJoined(String gatewayId) {
    absences.joined(gatewayId);
  }

  /** Of two random gateways, the one with the larger free share of its capacity. */
  private static String twoChoices(List<FunctionOffer> offers) {
    ThreadLocalRandom random = ThreadLocalRandom.current();
    int i = random.nextInt(offers.size());
    int j = random.nextInt(offers.size() - 1);
    if (j >= i) {
      j++;
    }
    FunctionOffer a = offers.get(i);
    FunctionOffer b = offers.get(j);
    return freeShare(a) >= freeShare(b) ? a.gatewayId() : b.gatewayId();
  }

  private static double freeShare(FunctionOffer offer) {
    return offer.capacity() == 0 ? 0 : offer.freeSlots() / (double) offer.capacity();
  }

  /** Whether some healthy node of the offer's gateway has the labels and cost the call requires (memory is checked there). */
  private static boolean fits(DirectoryView view, FunctionOffer offer, Requirements requirements) {
    if (requirements.labels().isEmpty() && requirements.maxCost() == 0) {
      return true;
    }
    return cheapest(view, offer, requirements) < Double.MAX_VALUE;
  }

  private static double cheapest(DirectoryView view, FunctionOffer offer, Requirements requirements) {
    GatewayEntry entry = view.gateways().get(offer.gatewayId());
    double best = Double.MAX_VALUE;
    if (entry == null) {
      return best;
    }
    for (String id : offer.nodeIds()) {
      RemoteNode node = entry.nodes().get(id);
      if (node != null && node.health() == NodeHealth.UP && meets(node, requirements)) {
        best = Math.min(best, node.cost());
      }
    }
    return best;
  }

  /** Whether {@code node} has the call's labels and costs no more than its limit (memory is checked where it runs). */
  private static boolean meets(RemoteNode node, Requirements requirements) {
    return labelsMatch(node.labels(), requirements.labels()) && (requirements.maxCost() == 0 || node.cost() <= requirements.maxCost());
  }

  private static boolean labelsMatch(Map<String, String> have, Map<String, String> want) {
    for (Map.Entry<String, String> label : want.entrySet()) {
      String value = have.get(label.getKey());
      if (value == null || !(label.getValue().equals("*") || label.getValue().equals(value))) {
        return false;
      }
    }
    return true;
  }

  @Override
  public Runnable forward(String target, CallRequestSpec request, CallSink reply) {
    long requestId = requestIds.incrementAndGet();
    Outgoing out = send(target, request, reply, requestId, new CompletableFuture<>(), null);
    return out != null ? new SentCall(target, requestId, out) : NOTHING;
  }

  /** A forwarded call's handle ({@link #forward}): running it cancels the call there; {@link #withdraw} takes it back while held. */
  private final class SentCall implements Runnable {
    final String target;
    final long requestId;
    final Outgoing out;

    SentCall(String target, long requestId, Outgoing out) {
      this.target = target;
      this.requestId = requestId;
      this.out = out;
    }

    @Override
    public void run() {
      cancel(target, requestId);
    }
  }

  @Override
  public boolean withdraw(Runnable forward) {
    if (!(forward instanceof SentCall sent)) {
      return false;
    }
    if (!sent.out.drop()) {
      return false; // it left: it may run there
    }
    held.remove(sent.out.answer);
    // No-op when its answer completed already, as never sent (its deadline passed while it was held).
    sent.out.answer.completeExceptionally(new NotSent("its caller stopped waiting before it could be sent"));
    return true;
  }

  @Override
  public ForwardedStream forwardStream(String target, CallRequestSpec request, long creditsTotal, StreamSink reply) {
    long requestId = requestIds.incrementAndGet();
    StreamFromGateway stream = new StreamFromGateway(target, request.function(), reply, creditsTotal,
        total -> credits(target, requestId, total), () -> cancel(target, requestId));
    return send(target, request, reply, requestId, stream.done, stream) != null ? stream : ForwardedStream.NONE;
  }

  /**
   * Publishes the call (a stream when {@code stream} is set) and completes {@code reply} from its
   * answer; null when it could not even be sent (the reply has its error then).
   */
  private Outgoing send(String target, CallRequestSpec request, CallSink reply, long requestId, CompletableFuture<byte[]> answer,
      StreamFromGateway stream) {
    long remainingNanos = request.deadlineNanos() - System.nanoTime();
    if (remainingNanos <= 0) {
      reply.onError(Wire.error(ErrorCode.DEADLINE_EXCEEDED, "Deadline exceeded before '" + request.function()
          + "' could be forwarded to gateway '" + target + "'."));
      return null;
    }
    long cutOff = cutOffFor(System.nanoTime());
    if (cutOff > cutOffGraceNanos) {
      reply.onError(Wire.error(ErrorCode.UNAVAILABLE, "The call to '" + request.function() + "' must go to gateway '" + target
          + "', and gateway '" + gatewayId + "' has been cut off from the cluster's NATS servers for "
          + TimeUnit.NANOSECONDS.toMillis(cutOff) + " ms (it keeps reconnecting); it never ran: retry."));
      return null;
    }
    boolean toKeyHome = request.idempotencyKey() != null && !(request.grant() instanceof PeerGrant) && target.equals(keyHome(request));
    ForwardedCallBody.Builder body = body(target, request, TimeUnit.NANOSECONDS.toMillis(remainingNanos)).setRequestId(requestId)
        .setKeyHome(toKeyHome);
    if (stream != null) {
      body.setStream(true);
      body.getCallBuilder().setStreamCredits((int) Math.min(Integer.MAX_VALUE, stream.creditsSent()));
    }
    byte[] message = signed(body.build());
    if (message.length > connection.getMaxPayload()) {
      reply.onError(Wire.error(ErrorCode.PAYLOAD_TOO_LARGE, "The call to '" + request.function() + "' is " + message.length
          + " bytes; it must go to gateway '" + target + "', and NATS carries at most " + connection.getMaxPayload()
          + " bytes between gateways (max_payload in nats-server's configuration)."));
      return null;
    }
    forwarded.incrementAndGet();
    long sentNanos = System.nanoTime();
    Outgoing out = new Outgoing(subjectPrefix + "." + target, inbox + "." + requestId, message, answer);
    replies.put(requestId, new Waiting(target, answer, stream, sentNanos, out));
    java.util.Set<CompletableFuture<byte[]>> pending = waiting.computeIfAbsent(target, k -> java.util.concurrent.ConcurrentHashMap.newKeySet());
    pending.add(answer);
    started();
    within(answer, remainingNanos).whenComplete((bytes, failure) -> {
      replies.remove(requestId);
      pending.remove(answer);
      finished();
      held.remove(answer);
      if (failure != null) {
        boolean neverSent = out.drop(); // it never left, and now never will
        failed.incrementAndGet();
        Throwable cause = failure instanceof CompletionException && failure.getCause() != null ? failure.getCause() : failure;
        if (neverSent && cause instanceof TimeoutException) { // held while cut off from NATS until its deadline
          reply.onError(heldTooLong(target, request));
          return;
        }
        if (neverSent && !(cause instanceof NotSent)) { // held, and its gateway (or this one) left: it may go elsewhere
          unanswered(reply, unreachable(target, request, cause.getMessage() + ", before the call could leave this gateway"), false);
          return;
        }
        Error error = failureOf(target, request, failure);
        if (cause instanceof CancellationException) { // no responders: skip it until the directory drops it
          absences.skip(target, System.nanoTime());
          unanswered(reply, error, false);
        } else if (cause instanceof NotSent) {
          unanswered(reply, error, false);
        } else if (cause instanceof GatewayLost) {
          unanswered(reply, error, true);
        } else {
          if (cause instanceof TimeoutException) {
            logTimeout(target, request.function(), requestId, sentNanos);
          }
          reply.onError(error);
        }
        return;
      }
      if (stream != null) {
        return; // its parts went to the reply as they came
      }
      CallReply callReply;
      try {
        callReply = CallReply.parseFrom(bytes);
      } catch (com.google.protobuf.InvalidProtocolBufferException e) {
        failed.incrementAndGet();
        reply.onError(Wire.error(ErrorCode.INTERNAL, "Gateway '" + target + "' answered the call to '" + request.function()
            + "' with a malformed reply.").toBuilder().setReachedNode(true).build());
        return;
      }
      if (callReply.hasPayload()) {
        reply.onResult(callReply.getPayload(), callReply.getNodeId());
      } else {
        reply.onError(callReply.getError());
      }
    });
    publishOrHold(out);
    return out;
  }

  /**
   * Hands the forward to NATS, or holds it while the forwarding connection is down (until
   * {@link #connectionBack}). It is registered as waiting first: a drop reported after the status
   * check below finds it there and fails it as possibly lost ({@link #connectionLost}).
   */
  private void publishOrHold(Outgoing out) {
    if (cutOffSinceNanos != 0 || connection.getStatus() != Connection.Status.CONNECTED) {
      held.put(out.answer, out);
      if (cutOffSinceNanos == 0 && connection.getStatus() == Connection.Status.CONNECTED) {
        releaseHeld(); // back meanwhile, perhaps before it was held: nothing else would send it
      }
      return;
    }
    publish(out);
  }

  /** Hands {@code out} to NATS unless it was dropped first; true when NATS took it. */
  private boolean publish(Outgoing out) {
    if (!out.claimToSend()) {
      return false; // dropped meanwhile (withdrawn, cancelled, or out of time): its answer has the error
    }
    try {
      connection.publish(out.subject, out.replyTo, out.message);
      return true;
    } catch (RuntimeException e) {
      out.answer.completeExceptionally(new NotSent(e.toString())); // it never left
      return false;
    }
  }

  /** Publishes the forwards held while the connection was down, each at most once ({@link Outgoing}). */
  private void releaseHeld() {
    int sent = 0;
    for (Outgoing out : List.copyOf(held.values())) {
      held.remove(out.answer, out);
      if (publish(out)) {
        sent++;
      }
    }
    if (sent > 0) {
      log.info("Cluster {}: sent {} forwarded call(s) held while its connection to NATS was down", gatewayId, sent);
    }
  }

  /** The error of a forward that was held while this gateway was cut off from NATS until its deadline: it never left. */
  private Error heldTooLong(String target, CallRequestSpec request) {
    return Wire.error(ErrorCode.DEADLINE_EXCEEDED, "The call to '" + request.function() + "' had to go to gateway '" + target
        + "', and its deadline passed while gateway '" + gatewayId + "' waited to reconnect to the cluster's NATS servers; it never "
        + "left this gateway, so it never ran.");
  }

  /** How long an operator's drain waits for the node's gateway to answer. */
  static final long DRAIN_TIMEOUT_MILLIS = 5_000;

  @Override
  public CompletableFuture<Integer> drain(String nodeId, int graceMs, io.easyremote.gateway.internal.core.CallGrant grant) {
    String target = null;
    for (GatewayEntry entry : directory.view().gateways().values()) {
      if (entry.nodes().containsKey(nodeId)) {
        target = entry.gatewayId();
        break;
      }
    }
    if (target == null) {
      return CompletableFuture.completedFuture(-1);
    }
    String holder = target;
    long requestId = requestIds.incrementAndGet();
    ForwardedCallBody.Builder body = control(holder, requestId).setDrainNode(nodeId).setDrainGraceMs(Math.max(0, graceMs));
    if (grant.principal() != null) {
      body.setPrincipal(grant.principal());
    }
    CompletableFuture<byte[]> answer = new CompletableFuture<>();
    replies.put(requestId, new Waiting(holder, answer, null, System.nanoTime(), null));
    CompletableFuture<Integer> drained = within(answer, TimeUnit.MILLISECONDS.toNanos(DRAIN_TIMEOUT_MILLIS)).handle((bytes, failure) -> {
      replies.remove(requestId);
      if (failure != null) {
        throw new RemoteFailure(Wire.error(ErrorCode.UNAVAILABLE, "Node '" + nodeId + "' is on gateway '" + holder
            + "', which did not answer the drain in time; retry."));
      }
      try {
        CallReply reply = CallReply.parseFrom(bytes);
        if (!reply.hasPayload()) {
          if (reply.getError().getCode() == io.easyremote.protocol.wire.ErrorCode.NO_NODE_AVAILABLE) {
            return -1; // it left that gateway meanwhile
          }
          throw new RemoteFailure(reply.getError());
        }
        return io.easyremote.protocol.wire.DrainNodeReply.parseFrom(reply.getPayload().getData()).getInFlight();
      } catch (com.google.protobuf.InvalidProtocolBufferException e) {
        throw new RemoteFailure(Wire.error(ErrorCode.INTERNAL, "Gateway '" + holder + "' answered the drain of '" + nodeId
            + "' with a malformed reply."));
      }
    });
    try {
      connection.publish(subjectPrefix + "." + holder, inbox + "." + requestId, signed(body.build()));
    } catch (RuntimeException e) {
      answer.completeExceptionally(e);
    }
    return drained;
  }

  /** Tells {@code target} that the caller of stream {@code requestId} has granted {@code total} items in all (fire and forget). */
  private void credits(String target, long requestId, long total) {
    tell(target, control(target, requestId).setCreditsTotal(total), "Credits for");
  }

  /** A signed message about request {@code requestId} for {@code target}, without a call (a cancel, credits). */
  private ForwardedCallBody.Builder control(String target, long requestId) {
    return ForwardedCallBody.newBuilder().setFromGateway(gatewayId).setToGateway(target).setIssuedAtMs(System.currentTimeMillis())
        .setRequestId(requestId);
  }

  /** Publishes {@code body}, signed, to {@code target} without waiting for an answer (the call's deadline bounds what is lost). */
  private void tell(String target, ForwardedCallBody.Builder body, String what) {
    try {
      connection.publish(subjectPrefix + "." + target, signed(body.build()));
    } catch (RuntimeException e) {
      log.debug("{} forwarded call {} to {} not sent", what, body.getRequestId(), target, e);
    }
  }

  /** No answer came back: a reply that can route the call again hears it as such. */
  private void unanswered(CallSink reply, Error error, boolean mayHaveRun) {
    if (reply instanceof RemoteGateways.Unanswered again) {
      unanswered.incrementAndGet();
      again.unanswered(error, mayHaveRun);
    } else {
      reply.onError(error);
    }
  }

  /**
   * Tells {@code target} that the caller of {@code requestId} went away (fire and forget: the call's
   * deadline bounds it anyway); a forward still held here ({@link #publishOrHold}) is dropped
   * instead, so it never runs there.
   */
  private void cancel(String target, long requestId) {
    Waiting w = replies.get(requestId);
    if (w != null && w.out() != null && w.out().drop()) {
      held.remove(w.answer());
      w.answer().completeExceptionally(new NotSent("its caller cancelled it before it could be sent"));
      return;
    }
    tell(target, control(target, requestId).setCancel(true), "Cancel of");
  }

  private byte[] signed(ForwardedCallBody body) {
    byte[] bytes = body.toByteArray();
    return ForwardedCall.newBuilder().setBody(com.google.protobuf.ByteString.copyFrom(bytes))
        .setMac(com.google.protobuf.ByteString.copyFrom(signer.sign(bytes))).build().toByteArray();
  }

  private ForwardedCallBody.Builder body(String target, CallRequestSpec request, long remainingMillis) {
    CallRequest.Builder call = CallRequest.newBuilder()
        .setFunction(request.function())
        .setPayload(request.payload())
        .setRetry(RetryPolicy.newBuilder().setMaxAttempts(request.maxAttempts()).setRetryNonIdempotent(request.retryNonIdempotent()));
    if (request.pinnedNode() != null) {
      call.setNodeId(request.pinnedNode());
    }
    if (request.strategy() != null) {
      call.setStrategy(request.strategy().wireName());
    }
    if (request.idempotencyKey() != null) {
      call.setIdempotencyKey(request.idempotencyKey());
    }
    Requirements r = request.requirements();
    if (r != Requirements.NONE) {
      call.setRequirements(io.easyremote.protocol.wire.Requirements.newBuilder().putAllLabels(r.labels())
          .setMinMemoryFreeBytes(r.minMemoryFreeBytes()).setMinGpuMemoryFreeBytes(r.minGpuMemoryFreeBytes()).setMaxCost(r.maxCost()));
    }
    ForwardedCallBody.Builder body = ForwardedCallBody.newBuilder()
        .setFromGateway(gatewayId)
        .setToGateway(target)
        .setIssuedAtMs(System.currentTimeMillis())
        .setCall(call)
        .setDeadlineMs(Math.max(1, remainingMillis))
        .setCaller(request.caller() == null ? "" : request.caller());
    String principal = request.grant().principal();
    if (principal != null) {
      body.setPrincipal(principal);
    } else {
      String scope = request.grant().idempotencyScope();
      body.setAnonymousHost(scope.startsWith("anonymous@") ? scope.substring("anonymous@".length()) : scope);
    }
    return body;
  }

  private synchronized void started() {
    inFlight++;
  }

  private synchronized void finished() {
    if (--inFlight == 0) {
      notifyAll();
    }
  }

  /** Waits up to {@code timeoutNanos} for every forwarded call to be answered; false when some are still waiting. */
  synchronized boolean awaitIdle(long timeoutNanos) throws InterruptedException {
    long until = System.nanoTime() + timeoutNanos;
    while (inFlight > 0) {
      long left = until - System.nanoTime();
      if (left <= 0) {
        return false;
      }
      TimeUnit.NANOSECONDS.timedWait(this, left);
    }
    return true;
  }

  /**
   * {@code gatewayId} vanished from the directory (expired or restarted): the calls still waiting
   * for its answer fail now with NODE_LOST instead of waiting for their deadline. (A gateway that
   * says goodbye drains first: its calls are still answered.)
   */
  void gatewayGone(String gatewayId, String why) {
    java.util.Set<CompletableFuture<byte[]>> pending = waiting.remove(gatewayId);
    if (pending != null && !pending.isEmpty()) {
      // Off the directory's thread: failing them may route them again (a NATS request each).
      java.util.concurrent.ForkJoinPool.commonPool().execute(() -> {
        for (CompletableFuture<byte[]> answer : pending) {
          answer.completeExceptionally(new GatewayLost(why));
        }
      });
    }
  }

  /** The cluster closed (its timer too): calls still waiting for an answer fail now, as if their gateway was lost. */
  void closed() {
    for (Waiting w : List.copyOf(replies.values())) {
      w.answer().completeExceptionally(new GatewayLost("this gateway left the cluster before the answer came"));
    }
  }

  /**
   * This gateway's forwarding connection to NATS dropped: an answer sent to it meanwhile is lost
   * (NATS keeps nothing for a disconnected inbox), so every call still waiting fails now as if its
   * gateway was lost (NODE_LOST, or routed again when it may run twice) instead of at its deadline.
   * Only the first drop of an outage does so: a forward made while the connection is down is held
   * here and sent after the reconnect, behind the inbox's subscription.
   */
  void connectionLost() {
    long now = System.nanoTime();
    connectionLostNanos = now;
    if (cutOffSinceNanos != 0 && connection.getStatus() != Connection.Status.CONNECTED) {
      return; // NATS reports a drop again for each failed reconnect: forwards sent since the first wait in its buffer
    }
    cutOffSinceNanos = now == 0 ? 1 : now;
    for (String gatewayId : List.copyOf(waiting.keySet())) {
      java.util.Set<CompletableFuture<byte[]>> pending = waiting.get(gatewayId);
      if (pending == null) {
        continue;
      }
      for (CompletableFuture<byte[]> answer : List.copyOf(pending)) {
        if (held.containsKey(answer)) {
          continue; // it never left: it goes on the reconnect
        }
        java.util.concurrent.ForkJoinPool.commonPool().execute(
            () -> answer.completeExceptionally(new GatewayLost("this gateway's connection to NATS dropped; its answer may be lost")));
      }
    }
  }

  /**
   * This gateway's forwarding connection is up again after {@link #connectionLost}: the forwards
   * held meanwhile go now (NATS sends them after the subscriptions it renews on a reconnect).
   */
  void connectionBack() {
    cutOffSinceNanos = 0;
    releaseHeld();
  }

  /**
   * How much earlier than a resync notice says a request must have been sent to be failed by it:
   * more than the notice's own way here, so that a request sent just after the other gateway's
   * reconnect (which it may not have seen when it wrote the notice) is never taken for a lost one.
   * A request sent within this margin before that reconnect found no subscriber there anyway (NATS
   * answers "no responders", which routes it again).
   */
  static final long RESYNC_MARGIN_NANOS = TimeUnit.MILLISECONDS.toNanos(100);

  /**
   * Gateway {@code from}'s connection to NATS dropped and came back {@code sinceReconnectMillis}
   * ago; {@code alive} are this gateway's requests it still runs or answered after the reconnect.
   * Any other request to it sent before that reconnect was lost on the way there, or its answer on
   * the way back: it fails now as if that gateway was lost (routed again when it may run twice,
   * else NODE_LOST) instead of waiting for its deadline.
   */
  void peerResynced(String from, java.util.Set<Long> alive, long sinceReconnectMillis) {
    long cutOff = System.nanoTime() - TimeUnit.MILLISECONDS.toNanos(Math.max(0, sinceReconnectMillis)) - RESYNC_MARGIN_NANOS;
    int lost = 0;
    for (Map.Entry<Long, Waiting> entry : replies.entrySet()) {
      Waiting w = entry.getValue();
      if (w.target().equals(from) && w.sentNanos() - cutOff < 0 && !alive.contains(entry.getKey()) && !held.containsKey(w.answer())) {
        java.util.concurrent.ForkJoinPool.commonPool().execute(() -> w.answer().completeExceptionally(
            new GatewayLost("its connection to NATS dropped around the forward; the forward or its answer was lost")));
        lost++;
      }
    }
    if (lost > 0) {
      log.info("Cluster {}: gateway '{}' reconnected to NATS; {} forwarded call(s) to it were lost on the way and fail now", gatewayId,
          from, lost);
    }
  }

  /**
   * How long this gateway's forwarding connection has been down ({@link #connectionLost}); 0 while
   * it is connected.
   */
  long cutOffFor(long nowNanos) {
    long since = cutOffSinceNanos;
    if (since == 0 || connection.getStatus() == Connection.Status.CONNECTED) {
      return 0;
    }
    return Math.max(1, nowNanos - since);
  }

  /**
   * A forward got no answer by its deadline: a call that ran too long, or a forward or answer lost
   * on the way, which the cluster's failure handling should have failed sooner. One line (at most
   * one a second) says which it may be: when the forwarding connection last dropped.
   */
  private void logTimeout(String target, String function, long requestId, long sentNanos) {
    long now = System.nanoTime();
    long last = timeoutLoggedNanos.get();
    if ((last != 0 && now - last < TimeUnit.SECONDS.toNanos(1)) || !timeoutLoggedNanos.compareAndSet(last, now)) {
      return;
    }
    long lost = connectionLostNanos;
    String connection = lost == 0 ? "it never dropped"
        : lost >= sentNanos ? "it dropped " + TimeUnit.NANOSECONDS.toMillis(lost - sentNanos) + " ms after the forward was sent"
        : "it last dropped " + TimeUnit.NANOSECONDS.toMillis(sentNanos - lost) + " ms before the forward was sent";
    log.info("Cluster {}: forward {} of '{}' to gateway '{}' got no answer within its deadline ({} ms after it was sent); this "
        + "gateway's forwarding connection to NATS: {}", gatewayId, requestId, function, target,
        TimeUnit.NANOSECONDS.toMillis(now - sentNanos), connection);
  }

  /** The forwarded call could not be published at all: it never left this gateway. */
  private static final class NotSent extends RuntimeException {
    private static final long serialVersionUID = 1L;

    NotSent(String why) {
      super(why, null, false, false);
    }
  }

  /** The gateway a forwarded call waits on vanished from the directory. */
  private static final class GatewayLost extends RuntimeException {
    private static final long serialVersionUID = 1L;

    GatewayLost(String why) {
      super(why, null, false, false);
    }
  }

  private static Error failureOf(String target, CallRequestSpec request, Throwable failure) {
    Throwable cause = failure instanceof CompletionException && failure.getCause() != null ? failure.getCause() : failure;
    if (cause instanceof GatewayLost) {
      return Wire.error(ErrorCode.NODE_LOST, "Gateway '" + target + "' was lost (" + cause.getMessage() + ") while '" + request.function()
          + "' was forwarded to it; it may have run.").toBuilder().setReachedNode(true).build();
    }
    if (cause instanceof TimeoutException) {
      return Wire.error(ErrorCode.DEADLINE_EXCEEDED, "Deadline exceeded while '" + request.function() + "' was forwarded to gateway '"
          + target + "' (no answer from it in time).").toBuilder().setReachedNode(true).build();
    }
    if (cause instanceof CancellationException) {
      // jnats cancels a request nobody subscribes to (NATS "no responders"): the gateway is gone, the call never ran.
      return unreachable(target, request, "no gateway '" + target + "' listens on the cluster any more");
    }
    return unreachable(target, request, cause.toString());
  }

  private static Error unreachable(String target, CallRequestSpec request, String why) {
    log.debug("Forwarding '{}' to {} failed: {}", request.function(), target, why);
    return Wire.error(ErrorCode.UNAVAILABLE, "The call to '" + request.function() + "' had to go to gateway '" + target
        + "', which could not be reached (" + why + "); it never ran: retry.");
  }

  /** Calls forwarded to other gateways so far. */
  long forwarded() {
    return forwarded.get();
  }

  /** Forwards that came back unanswered (no responder, gateway or connection lost) and were handed back for routing again. */
  long unanswered() {
    return unanswered.get();
  }

  /** Forwarded calls that got no reply (gateway gone, deadline, NATS failure). */
  long failed() {
    return failed.get();
  }
}
