package io.easyremote.gateway.internal.core;

import com.google.errorprone.annotations.concurrent.GuardedBy;
import io.easyremote.protocol.ErrorCode;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.locks.ReentrantLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The nodes connected to this gateway, indexed by id and by function, and the owners of function
 * names and node ids: a name served under one token cannot be taken over by another, and stays
 * held for its owner for a while after its nodes leave (so a squatter cannot grab it during a
 * reconnect).
 */
final class LocalRoutingTable implements RoutingTable {
  private static final Logger log = LoggerFactory.getLogger(LocalRoutingTable.class);

  private final ReentrantLock lock;
  private final long holdMinutes;
  @GuardedBy("lock")
  private final Map<String, NodeSession> nodes = new LinkedHashMap<>();
  @GuardedBy("lock")
  private final Map<String, List<NodeSession>> byFunction = new HashMap<>();
  @GuardedBy("lock")
  private final FunctionOwners owners;

  LocalRoutingTable(ReentrantLock lock, long ownershipHoldNanos) {
    this.lock = lock;
    this.owners = new FunctionOwners(ownershipHoldNanos);
    this.holdMinutes = ownershipHoldNanos / 60_000_000_000L;
  }

  @Override
  public NodeSession add(NodeSession session, Sharing sharing, long nowNanos) throws RegistrationException {
    lock.lock();
    try {
      NodeSession previous = nodes.get(session.nodeId);
      checkOwnership(session, previous, sharing, nowNanos);
      NodeSession replaced = nodes.put(session.nodeId, session);
      owners.nodeIdInUse(session.nodeId);
      if (replaced != null) {
        detach(replaced, nowNanos);
      }
      for (String function : session.functions.keySet()) {
        byFunction.computeIfAbsent(function, f -> new ArrayList<>()).add(session);
        owners.add(function, session.principal);
      }
      return replaced;
    } finally {
      lock.unlock();
    }
  }

  @GuardedBy("lock")
  private void checkOwnership(NodeSession session, NodeSession previous, Sharing sharing, long now) throws RegistrationException {
    String principal = session.principal;
    String idHolder = owners.nodeIdHeldAgainst(session.nodeId, principal, now);
    if (idHolder != null) {
      throw new RegistrationException(ErrorCode.PERMISSION_DENIED, "Node id '" + session.nodeId + "' belongs to token '" + idHolder
          + "' (its node is reconnecting); it is held for its owner until " + holdMinutes
          + " min after it left, or until an admin releases it.");
    }
    for (String function : session.functions.keySet()) {
      for (String owner : owners.of(function)) {
        if (!Objects.equals(owner, principal) && !onlyServedBy(previous, function, owner)
            && !sharing.allowed(function, owner, principal)) {
          throw new RegistrationException(ErrorCode.PERMISSION_DENIED, "Function '" + function + "' is already served under token '"
              + owner + "'; a node with token '" + principal + "' may not take it over.");
        }
      }
      String holder = owners.heldAgainst(function, principal, now);
      if (holder != null && !sharing.allowed(function, holder, principal)) {
        throw new RegistrationException(ErrorCode.PERMISSION_DENIED, "Function '" + function + "' belongs to token '" + holder
            + "', whose nodes are reconnecting; it is held for its owner until " + holdMinutes
            + " min after they left, or until an admin releases it.");
      }
    }
    if (previous != null && !Objects.equals(previous.principal, principal)) {
      throw new RegistrationException(ErrorCode.PERMISSION_DENIED,
          "Node id '" + session.nodeId + "' is connected under another token; it cannot be replaced by this one.");
    }
  }

  /** Whether {@code owner}'s only node offering {@code function} is {@code previous} (the session a reconnect replaces). */
  @GuardedBy("lock")
  private boolean onlyServedBy(NodeSession previous, String function, String owner) {
    if (previous == null || previous.removed() || !Objects.equals(previous.principal, owner)
        || !previous.functions.containsKey(function)) {
      return false;
    }
    for (NodeSession other : byFunction.getOrDefault(function, List.of())) {
      if (other != previous && Objects.equals(other.principal, owner)) {
        return false;
      }
    }
    return true;
  }

  @Override
  public boolean remove(NodeSession session, long nowNanos) {
    lock.lock();
    try {
      if (session.removed()) {
        return false;
      }
      if (nodes.get(session.nodeId) == session) {
        nodes.remove(session.nodeId);
        owners.nodeIdLeft(session.nodeId, session.principal, nowNanos);
      }
      detach(session, nowNanos);
      return true;
    } finally {
      lock.unlock();
    }
  }

  /** Takes the session out of the function index; its names become held for its owner. */
  @GuardedBy("lock")
  private void detach(NodeSession session, long nowNanos) {
    session.markRemoved();
    for (String function : session.functions.keySet()) {
      List<NodeSession> offering = byFunction.get(function);
      if (offering != null && offering.remove(session)) {
        owners.remove(function, session.principal, nowNanos);
        if (offering.isEmpty()) {
          byFunction.remove(function);
        }
      }
    }
  }

  @Override
  public List<NodeSession> offering(String function) {
    lock.lock();
    try {
      List<NodeSession> offering = byFunction.get(function);
      return offering == null ? List.of() : Collections.unmodifiableList(offering);
    } finally {
      lock.unlock();
    }
  }

  @Override
  public NodeSession node(String nodeId) {
    lock.lock();
    try {
      return nodes.get(nodeId);
    } finally {
      lock.unlock();
    }
  }

  @Override
  public Collection<NodeSession> nodes() {
    lock.lock();
    try {
      return Collections.unmodifiableCollection(nodes.values());
    } finally {
      lock.unlock();
    }
  }

  @Override
  public Map<String, List<NodeSession>> functions() {
    lock.lock();
    try {
      return Collections.unmodifiableMap(byFunction);
    } finally {
      lock.unlock();
    }
  }

  @Override
  public Set<String> visibleTo(CallGrant grant) {
    lock.lock();
    try {
      Set<String> visible = new TreeSet<>();
      for (Map.Entry<String, List<NodeSession>> e : byFunction.entrySet()) {
        if (grant.maySee(e.getKey(), e.getValue().get(0).functions.get(e.getKey()))) {
          visible.add(e.getKey());
        }
      }
      return visible;
    } finally {
      lock.unlock();
    }
  }

  @Override
  public boolean release(String name) {
    lock.lock();
    try {
      boolean released = owners.release(name) > 0;
      if (released) {
        log.info("Released '{}': it is no longer held for its disconnected owner", name);
      }
      return released;
    } finally {
      lock.unlock();
    }
  }
}
