package io.easyremote.cluster.internal;

import com.google.protobuf.InvalidProtocolBufferException;
import io.easyremote.cluster.DirectoryChange;
import io.easyremote.cluster.DirectoryListener;
import io.easyremote.cluster.DirectoryStats;
import io.easyremote.cluster.DirectoryStats.Rejection;
import io.easyremote.cluster.DirectoryView;
import io.easyremote.cluster.GatewayEntry;
import io.easyremote.cluster.NodeHealth;
import io.easyremote.cluster.RemoteNode;
import io.easyremote.cluster.internal.proto.DirectoryMessage;
import io.easyremote.cluster.internal.proto.FunctionLoad;
import io.easyremote.cluster.internal.proto.Node;
import io.easyremote.cluster.internal.proto.SnapshotPart;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The other gateways' side of the directory: checks each message (parses, comes from the subject
 * of the gateway it names, keeps the limits), applies it in version order, asks for a snapshot
 * after a gap or when it joins late, and drops gateways not heard from within the expiry.
 *
 * <p>Thread-safe: messages (the NATS dispatcher thread) and expiry (the directory's timer) take
 * one lock; listeners are called under it, in order.
 */
public final class Receiver {
  private static final Logger log = LoggerFactory.getLogger(Receiver.class);

  private final String selfId;
  private final String subjectPrefix;
  private final long expiryNanos;
  private final long syncRetryNanos;
  private final int maxNodesPerGateway;
  private final Consumer<String> syncRequester;

  private final ReentrantLock lock = new ReentrantLock();
  private final Map<String, PeerState> peers = new HashMap<>(); // guarded by lock
  private final List<DirectoryListener> listeners = new CopyOnWriteArrayList<>();
  private volatile DirectoryView view = DirectoryView.EMPTY;

  /** When this gateway's own connection to NATS dropped, while it is down; 0 while connected. Guarded by lock. */
  private long deafSinceNanos;
  private long received; // guarded by lock
  private long applied; // guarded by lock
  private long syncRequests; // guarded by lock
  private final EnumMap<Rejection, Long> rejected = new EnumMap<>(Rejection.class); // guarded by lock

  /**
   * @param selfId this gateway's id (messages claiming it are rejected)
   * @param subjectPrefix messages come on {@code subjectPrefix.<gateway id>}
   * @param expiry how long a silent gateway stays in the view
   * @param syncRetry how long to wait for a requested snapshot before asking again
   * @param maxNodesPerGateway the most nodes one gateway may announce
   * @param syncRequester asks a gateway (by id) to publish a snapshot
   */
  public Receiver(String selfId, String subjectPrefix, Duration expiry, Duration syncRetry, int maxNodesPerGateway,
      Consumer<String> syncRequester) {
    this.selfId = selfId;
    this.subjectPrefix = subjectPrefix + ".";
    this.expiryNanos = expiry.toNanos();
    this.syncRetryNanos = syncRetry.toNanos();
    this.maxNodesPerGateway = maxNodesPerGateway;
    this.syncRequester = syncRequester;
  }

  /** The view now. */
  public DirectoryView view() {
    return view;
  }

  /** Adds a listener; closing the handle removes it. */
  public AutoCloseable addListener(DirectoryListener listener) {
    listeners.add(listener);
    return () -> listeners.remove(listener);
  }

  /** The receiving counters, with the publishing ones passed in. */
  public DirectoryStats stats(long published, long snapshotsPublished) {
    lock.lock();
    try {
      return new DirectoryStats(received, applied, new EnumMap<>(rejected), syncRequests, published, snapshotsPublished);
    } finally {
      lock.unlock();
    }
  }

  /** Handles one message received on {@code subject}. */
  public void onMessage(String subject, byte[] data, long nowNanos) {
    lock.lock();
    try {
      received++;
      String owner = subject.startsWith(subjectPrefix) ? subject.substring(subjectPrefix.length()) : "";
      DirectoryMessage msg;
      try {
        msg = DirectoryMessage.parseFrom(data);
      } catch (InvalidProtocolBufferException e) {
        reject(Rejection.MALFORMED, owner, "does not parse");
        return;
      }
      if (!msg.getGatewayId().equals(owner) || !Limits.validGatewayId(owner)) {
        reject(Rejection.WRONG_GATEWAY, owner, "names gateway '" + abbreviate(msg.getGatewayId()) + "'");
        return;
      }
      if (owner.equals(selfId)) {
        reject(Rejection.OWN_ID, owner, "claims this gateway's own id: another process uses it");
        return;
      }
      if (msg.getBodyCase() == DirectoryMessage.BodyCase.BODY_NOT_SET) {
        reject(Rejection.INVALID, owner, "has no body");
        return;
      }
      try {
        handle(owner, msg, nowNanos);
      } catch (Invalid e) {
        reject(Rejection.INVALID, owner, e.getMessage());
      }
    } finally {
      lock.unlock();
    }
  }

  private void handle(String owner, DirectoryMessage msg, long now) throws Invalid {
    PeerState peer = peers.get(owner);
    if (peer != null && peer.epoch != msg.getEpoch()) {
      if (msg.hasGoodbye()) {
        return; // an old epoch's goodbye after the restart: nothing to drop
      }
      peers.remove(owner);
      if (peer.visible) {
        publishView(owner, null, DirectoryChange.Kind.RESTARTED);
      }
      peer = null;
    }
    if (msg.hasGoodbye()) {
      applied++;
      if (peer != null) {
        peers.remove(owner);
        if (peer.visible) {
          publishView(owner, null, DirectoryChange.Kind.LEFT);
        }
      }
      return;
    }
    // Check the whole message before changing anything.
    Decoded decoded = decode(owner, msg, peer);
    if (peer == null) {
      // A new epoch starts empty at version 0: a gateway seen from its first message needs no snapshot.
      peer = new PeerState(owner, msg.getEpoch(), now);
      peers.put(owner, peer);
    }
    peer.lastHeardNanos = now;
    boolean changed = false;
    if (decoded.load != null && !decoded.load.equals(peer.load)) {
      peer.load = decoded.load;
      changed = true;
    }
    long seq = msg.getSeq();
    switch (msg.getBodyCase()) {
      case HEARTBEAT -> {
        if (peer.synced && seq != peer.applied) {
          peer.synced = false;
        }
      }
      case DELTA -> {
        if (peer.synced && seq == peer.applied + 1) {
          Map<String, RemoteNode> members = new HashMap<>(peer.members);
          Set<String> changedIds = new HashSet<>();
          for (String id : msg.getDelta().getRemovedList()) {
            if (members.remove(id) != null) {
              changedIds.add(id);
            }
          }
          for (RemoteNode node : decoded.nodes) {
            members.put(node.id(), node);
            changedIds.add(node.id());
          }
          if (members.size() > maxNodesPerGateway) {
            throw new Invalid("would hold " + members.size() + " nodes, over the limit of " + maxNodesPerGateway);
          }
          peer.members(members, changedIds);
          peer.specs.putAll(decoded.specs);
          peer.applied = seq;
          changed = true;
        } else if (peer.synced && seq > peer.applied) {
          peer.synced = false;
        }
      }
      case SNAPSHOT -> changed |= snapshotPart(peer, msg.getSnapshot(), seq, decoded);
      default -> throw new Invalid("unexpected body " + msg.getBodyCase());
    }
    applied++;
    if (!peer.synced && (!peer.syncRequested || now - peer.lastSyncRequestNanos >= syncRetryNanos)) {
      peer.syncRequested = true;
      peer.lastSyncRequestNanos = now;
      syncRequests++;
      syncRequester.accept(owner);
    }
    if (peer.synced && !peer.visible) {
      peer.visible = true;
      publishView(owner, peer.entry(), DirectoryChange.Kind.JOINED);
    } else if (peer.visible && changed) {
      publishView(owner, peer.entry(), DirectoryChange.Kind.UPDATED);
    }
  }

  private boolean snapshotPart(PeerState peer, SnapshotPart part, long seq, Decoded decoded) {
    List<RemoteNode> nodes = decoded.nodes;
    if (peer.synced && seq == peer.applied) {
      return false; // we have this version already (a snapshot someone else asked for)
    }
    if (peer.pendingSeq != seq || peer.pendingParts == null || peer.pendingParts.size() != part.getParts()) {
      peer.pendingSeq = seq;
      peer.pendingParts = new ArrayList<>(Collections.nCopies(part.getParts(), null));
      peer.pendingReceived = 0;
      peer.pendingSpecs = null;
    }
    if (part.getPart() == part.getParts() - 1) {
      peer.pendingSpecs = decoded.specs;
    }
    if (peer.pendingParts.get(part.getPart()) == null) {
      peer.pendingParts.set(part.getPart(), nodes);
      peer.pendingReceived++;
    }
    if (peer.pendingReceived < part.getParts()) {
      return false;
    }
    Map<String, RemoteNode> members = new HashMap<>();
    peer.pendingParts.forEach(list -> list.forEach(n -> members.put(n.id(), n)));
    peer.pendingParts = null;
    peer.pendingSeq = -1;
    peer.members(members);
    peer.specs = new HashMap<>(peer.pendingSpecs == null ? Map.of() : peer.pendingSpecs);
    peer.pendingSpecs = null;
    peer.applied = seq;
    peer.synced = true;
    peer.syncRequested = false;
    return true;
  }

  /** The nodes and load a message carries, checked. */
  private record Decoded(List<RemoteNode> nodes, List<FunctionLoad> load, Map<String, com.google.protobuf.ByteString> specs) {
  }

  private Decoded decode(String owner, DirectoryMessage msg, PeerState peer) throws Invalid {
    List<String> strings;
    List<Node> nodes;
    List<FunctionLoad> load;
    List<io.easyremote.cluster.internal.proto.FunctionDecl> decls;
    switch (msg.getBodyCase()) {
      case HEARTBEAT -> {
        return new Decoded(List.of(), checkLoad(msg.getHeartbeat().getLoadList()), Map.of());
      }
      case DELTA -> {
        strings = msg.getDelta().getStringsList();
        nodes = msg.getDelta().getUpsertsList();
        load = msg.getDelta().getLoadCount() == 0 ? null : checkLoad(msg.getDelta().getLoadList());
        decls = msg.getDelta().getSpecsList();
        if (msg.getDelta().getUpsertsCount() + msg.getDelta().getRemovedCount() > maxNodesPerGateway) {
          throw new Invalid("carries more than " + maxNodesPerGateway + " nodes");
        }
        for (String id : msg.getDelta().getRemovedList()) {
          if (!Limits.validName(id)) {
            throw new Invalid("removes an invalid node id");
          }
        }
      }
      case SNAPSHOT -> {
        SnapshotPart part = msg.getSnapshot();
        if (part.getParts() < 1 || part.getParts() > Limits.MAX_SNAPSHOT_PARTS || part.getPart() >= part.getParts()) {
          throw new Invalid("snapshot part " + part.getPart() + " of " + part.getParts());
        }
        strings = part.getStringsList();
        nodes = part.getNodesList();
        load = part.getLoadCount() == 0 ? null : checkLoad(part.getLoadList());
        decls = part.getSpecsList();
        if (nodes.size() > maxNodesPerGateway) {
          throw new Invalid("carries more than " + maxNodesPerGateway + " nodes");
        }
      }
      default -> throw new Invalid("unexpected body " + msg.getBodyCase());
    }
    for (String s : strings) {
      if (!Limits.validLabelValue(s)) {
        throw new Invalid("holds an invalid string");
      }
    }
    PeerState interner = peer != null && peer.epoch == msg.getEpoch() ? peer : new PeerState(owner, msg.getEpoch(), 0);
    List<RemoteNode> out = new ArrayList<>(nodes.size());
    for (Node n : nodes) {
      out.add(decodeNode(owner, n, strings, interner));
    }
    if (decls.size() > maxNodesPerGateway) {
      throw new Invalid("carries more than " + maxNodesPerGateway + " function specs");
    }
    Map<String, com.google.protobuf.ByteString> specs = new HashMap<>();
    for (io.easyremote.cluster.internal.proto.FunctionDecl d : decls) {
      if (!Limits.validName(d.getFunction()) || d.getSpec().size() > Limits.MAX_SPEC_BYTES) {
        throw new Invalid("carries an invalid function spec");
      }
      specs.put(d.getFunction(), d.getSpec());
    }
    return new Decoded(out, load, specs);
  }

  private static RemoteNode decodeNode(String owner, Node n, List<String> strings, PeerState interner) throws Invalid {
    if (!Limits.validName(n.getId())) {
      throw new Invalid("has an invalid node id");
    }
    Set<String> functions = new HashSet<>(n.getFunctionsCount() * 2);
    for (int i = 0; i < n.getFunctionsCount(); i++) {
      String f = string(strings, n.getFunctions(i));
      if (!Limits.validName(f)) {
        throw new Invalid("node " + abbreviate(n.getId()) + " offers an invalid function name");
      }
      functions.add(f);
    }
    Set<String> idempotent = new HashSet<>(n.getIdempotentCount() * 2);
    for (int i = 0; i < n.getIdempotentCount(); i++) {
      String f = string(strings, n.getIdempotent(i));
      if (!functions.contains(f)) {
        throw new Invalid("node " + abbreviate(n.getId()) + " marks a function it does not offer idempotent");
      }
      idempotent.add(f);
    }
    if (n.getLabelsCount() % 2 != 0) {
      throw new Invalid("node " + abbreviate(n.getId()) + " has an odd number of label strings");
    }
    Map<String, String> labels = new HashMap<>();
    for (int i = 0; i < n.getLabelsCount(); i += 2) {
      String key = string(strings, n.getLabels(i));
      if (!Limits.validName(key)) {
        throw new Invalid("node " + abbreviate(n.getId()) + " has an invalid label key");
      }
      labels.put(key, string(strings, n.getLabels(i + 1)));
    }
    NodeHealth health = switch (n.getHealth()) {
      case UP -> NodeHealth.UP;
      case SUSPECT -> NodeHealth.SUSPECT;
      case DRAINING -> NodeHealth.DRAINING;
      default -> throw new Invalid("node " + abbreviate(n.getId()) + " has no health");
    };
    if (n.getCapacity() < 0 || !(n.getCost() >= 0) || Double.isInfinite(n.getCost())) {
      throw new Invalid("node " + abbreviate(n.getId()) + " has a bad capacity or cost");
    }
    return new RemoteNode(owner, n.getId(), interner.intern(Set.copyOf(functions)), n.getCapacity(), health,
        interner.intern(Map.copyOf(labels)), n.getCost(), interner.intern(Set.copyOf(idempotent)));
  }

  private static String string(List<String> strings, int index) throws Invalid {
    if (index < 0 || index >= strings.size()) {
      throw new Invalid("refers to string " + index + " of " + strings.size());
    }
    return strings.get(index);
  }

  private static List<FunctionLoad> checkLoad(List<FunctionLoad> load) throws Invalid {
    for (FunctionLoad l : load) {
      if (!Limits.validName(l.getFunction())) {
        throw new Invalid("has load for an invalid function name");
      }
    }
    return List.copyOf(load);
  }

  /**
   * This gateway's own connection to NATS dropped: it can hear nobody now, which says nothing about
   * the others, so nobody expires until it hears again ({@link #hearing}). Without this a gateway
   * cut off for longer than the expiry would drop every other gateway, and its callers would get
   * FUNCTION_NOT_FOUND for functions that are still there.
   */
  public void deaf(long nowNanos) {
    lock.lock();
    try {
      if (deafSinceNanos == 0) {
        deafSinceNanos = nowNanos == 0 ? 1 : nowNanos;
        log.info("Cluster directory {}: cut off from NATS; keeping the {} gateways it knows until it hears again", selfId, peers.size());
      }
    } finally {
      lock.unlock();
    }
  }

  /**
   * Connected to NATS again: every gateway known counts as heard now, so one that went away while
   * this one was cut off (its goodbye unheard) vanishes within the expiry from now.
   */
  public void hearing(long nowNanos) {
    lock.lock();
    try {
      if (deafSinceNanos != 0) {
        log.info("Cluster directory {}: connected to NATS again after {} ms", selfId, (nowNanos - deafSinceNanos) / 1_000_000);
        deafSinceNanos = 0;
        for (PeerState peer : peers.values()) {
          peer.lastHeardNanos = Math.max(peer.lastHeardNanos, nowNanos);
        }
      }
    } finally {
      lock.unlock();
    }
  }

  /** Drops the gateways not heard from within the expiry; none while this gateway is cut off from NATS ({@link #deaf}). */
  public void expire(long nowNanos) {
    lock.lock();
    try {
      if (deafSinceNanos != 0) {
        return;
      }
      for (Iterator<PeerState> it = peers.values().iterator(); it.hasNext(); ) {
        PeerState peer = it.next();
        if (nowNanos - peer.lastHeardNanos > expiryNanos) {
          it.remove();
          if (peer.visible) {
            log.info("Cluster directory: gateway {} not heard from for {} ms; its {} nodes are dropped", peer.gatewayId,
                (nowNanos - peer.lastHeardNanos) / 1_000_000, peer.members.size());
            publishView(peer.gatewayId, null, DirectoryChange.Kind.EXPIRED);
          }
        }
      }
    } finally {
      lock.unlock();
    }
  }

  private void publishView(String gatewayId, GatewayEntry entry, DirectoryChange.Kind kind) {
    Map<String, GatewayEntry> gateways = new HashMap<>(view.gateways());
    if (entry == null) {
      gateways.remove(gatewayId);
    } else {
      gateways.put(gatewayId, entry);
    }
    DirectoryView next = new DirectoryView(Collections.unmodifiableMap(gateways));
    view = next;
    DirectoryChange change = new DirectoryChange(gatewayId, kind, next);
    for (DirectoryListener listener : listeners) {
      try {
        listener.changed(change);
      } catch (RuntimeException e) {
        log.warn("Cluster directory listener {} failed on {}", listener, change.kind(), e);
      }
    }
  }

  private void reject(Rejection reason, String owner, String why) {
    long n = rejected.merge(reason, 1L, Long::sum);
    // The first of each kind is worth a warning; then one in a thousand, so a flood cannot fill the log.
    if (n == 1 || n % 1000 == 0) {
      log.warn("Cluster directory: ignored a message on subject {}{} ({}): {} ({} so far)", subjectPrefix, abbreviate(owner), reason, why, n);
    }
  }

  private static String abbreviate(String s) {
    return s.length() <= 64 ? s : s.substring(0, 64) + "...";
  }

  /** A message that breaks a rule; no stack trace (a flood of them must stay cheap). */
  private static final class Invalid extends Exception {
    Invalid(String message) {
      super(message, null, false, false);
    }
  }
}
