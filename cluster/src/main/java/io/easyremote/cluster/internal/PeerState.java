package io.easyremote.cluster.internal;

import io.easyremote.cluster.FunctionOffer;
import io.easyremote.cluster.GatewayEntry;
import io.easyremote.cluster.RemoteNode;
import io.easyremote.cluster.internal.proto.FunctionLoad;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * What one receiver knows of one other gateway in one epoch: its membership at version
 * {@code applied}, its last load, when it was last heard, and a snapshot being assembled.
 * Guarded by the receiver's lock.
 */
final class PeerState {
  final String gatewayId;
  final long epoch;
  /** The membership version {@link #members} is at. */
  long applied;
  /** False after a gap: deltas are ignored until a snapshot arrives (the old members stay visible meanwhile). */
  boolean synced = true;
  /** Whether the gateway is in the view (after its first consistent state). */
  boolean visible;
  Map<String, RemoteNode> members = Map.of();
  /** Function name to the ids of the nodes offering it; rebuilt when the members change. */
  Map<String, List<String>> index = Map.of();
  List<FunctionLoad> load = List.of();
  /** The gateway's function specs as last shared (a delta adds or replaces some, a snapshot all). */
  Map<String, com.google.protobuf.ByteString> specs = new HashMap<>();
  /** The specs of the snapshot being assembled (they come in its last part). */
  Map<String, com.google.protobuf.ByteString> pendingSpecs;
  long lastHeardNanos;
  boolean syncRequested;
  long lastSyncRequestNanos;

  long pendingSeq = -1;
  List<List<RemoteNode>> pendingParts;
  int pendingReceived;

  /** Shared instances, so 10,000 nodes offering the same functions hold one set. */
  private final Map<Set<String>, Set<String>> functionSets = new HashMap<>();
  private final Map<Map<String, String>, Map<String, String>> labelMaps = new HashMap<>();

  PeerState(String gatewayId, long epoch, long nowNanos) {
    this.gatewayId = gatewayId;
    this.epoch = epoch;
    this.lastHeardNanos = nowNanos;
  }

  Set<String> intern(Set<String> functions) {
    return functionSets.computeIfAbsent(functions, f -> f);
  }

  Map<String, String> intern(Map<String, String> labels) {
    return labelMaps.computeIfAbsent(labels, l -> l);
  }

  /** Replaces the members (and their index). */
  void members(Map<String, RemoteNode> members) {
    this.members = Collections.unmodifiableMap(members);
    Map<String, List<String>> idx = new HashMap<>();
    for (RemoteNode node : members.values()) {
      for (String f : node.functions()) {
        idx.computeIfAbsent(f, k -> new ArrayList<>()).add(node.id());
      }
    }
    Map<String, List<String>> frozen = new HashMap<>(idx.size() * 2);
    idx.forEach((f, ids) -> frozen.put(f, List.copyOf(ids)));
    index = frozen;
  }

  /**
   * Takes {@code members}, which differ from the current ones only in {@code changedIds}, and
   * updates the index of just the functions those nodes offered or offer: a one-node delta costs
   * the size of its functions' lists, not of the whole gateway.
   */
  void members(Map<String, RemoteNode> members, Set<String> changedIds) {
    Set<String> affected = new HashSet<>();
    for (String id : changedIds) {
      RemoteNode before = this.members.get(id);
      if (before != null) {
        affected.addAll(before.functions());
      }
      RemoteNode after = members.get(id);
      if (after != null) {
        affected.addAll(after.functions());
      }
    }
    Map<String, List<String>> idx = new HashMap<>(index);
    for (String f : affected) {
      List<String> old = index.getOrDefault(f, List.of());
      List<String> next = new ArrayList<>(old.size() + changedIds.size());
      for (String id : old) {
        if (!changedIds.contains(id)) {
          next.add(id);
        }
      }
      for (String id : changedIds) {
        RemoteNode after = members.get(id);
        if (after != null && after.functions().contains(f)) {
          next.add(after.id());
        }
      }
      if (next.isEmpty()) {
        idx.remove(f);
      } else {
        idx.put(f, List.copyOf(next));
      }
    }
    this.members = Collections.unmodifiableMap(members);
    this.index = idx;
  }

  /** The entry the view shows for this gateway now. */
  GatewayEntry entry() {
    Map<String, FunctionOffer> offers = new HashMap<>();
    Map<String, FunctionLoad> byName = new HashMap<>();
    load.forEach(l -> byName.put(l.getFunction(), l));
    index.forEach((f, ids) -> {
      FunctionLoad l = byName.get(f);
      offers.put(f, l == null
          ? new FunctionOffer(f, gatewayId, ids, 0, 0, 0)
          : new FunctionOffer(f, gatewayId, ids, l.getHealthyNodes(), l.getCapacity(), l.getFreeSlots()));
    });
    Map<String, com.google.protobuf.ByteString> offered = new HashMap<>();
    specs.forEach((f, spec) -> {
      if (index.containsKey(f)) {
        offered.put(f, spec);
      }
    });
    specs.keySet().retainAll(index.keySet()); // a function no node offers any more: its spec goes too
    return new GatewayEntry(gatewayId, members, Collections.unmodifiableMap(offers), Collections.unmodifiableMap(offered));
  }
}
