package io.easyremote.cluster.internal;

import io.easyremote.cluster.LocalNode;
import io.easyremote.cluster.NodeHealth;
import io.easyremote.cluster.internal.proto.Delta;
import io.easyremote.cluster.internal.proto.DirectoryMessage;
import io.easyremote.cluster.internal.proto.FunctionLoad;
import io.easyremote.cluster.internal.proto.Goodbye;
import io.easyremote.cluster.internal.proto.Health;
import io.easyremote.cluster.internal.proto.Heartbeat;
import io.easyremote.cluster.internal.proto.Node;
import io.easyremote.cluster.internal.proto.SnapshotPart;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * This gateway's side of the directory: remembers what it last published, and turns each new
 * list of local nodes into deltas (only the nodes that joined, changed or left), its load into
 * heartbeats, and the whole membership into snapshot parts on request. Messages are cut so none
 * exceeds {@code maxMessageBytes} (about), whatever the number of nodes.
 *
 * <p>Not thread-safe: one thread (the directory's) calls it.
 */
public final class Publisher {
  private final String gatewayId;
  private final long epoch;
  private final int maxMessageBytes;
  private Map<String, Member> published = new HashMap<>();
  private List<FunctionLoad> load = List.of();
  /** The function specs published so far (opaque bytes, by function). */
  private Map<String, com.google.protobuf.ByteString> specs = Map.of();
  private long seq;

  /** A publisher for a gateway that just started (membership empty at version 0). */
  public Publisher(String gatewayId, long epoch, int maxMessageBytes) {
    if (!Limits.validGatewayId(gatewayId)) {
      throw new IllegalArgumentException("gateway id '" + gatewayId + "' must match " + Limits.GATEWAY_ID.pattern());
    }
    if (maxMessageBytes < 1024) {
      throw new IllegalArgumentException("maxMessageBytes " + maxMessageBytes + " < 1024");
    }
    this.gatewayId = gatewayId;
    this.epoch = epoch;
    this.maxMessageBytes = maxMessageBytes;
  }

  /** The membership version published so far. */
  public long seq() {
    return seq;
  }

  /** How many nodes the last published membership holds. */
  public int size() {
    return published.size();
  }

  /**
   * Takes the current local nodes; returns the deltas to publish (none when only load changed),
   * each one version further, the last carrying the new load.
   */
  public List<DirectoryMessage> update(Iterable<LocalNode> nodes) {
    return update(nodes, null);
  }

  /**
   * Like {@link #update(Iterable)}, with the gateway's function specs ({@code null}: unchanged);
   * specs that are new or changed go with the last delta, so a spec change alone is a delta too.
   */
  public List<DirectoryMessage> update(Iterable<LocalNode> nodes, Map<String, com.google.protobuf.ByteString> newSpecs) {
    List<io.easyremote.cluster.internal.proto.FunctionDecl> changedSpecs = new ArrayList<>();
    if (newSpecs != null) {
      for (Map.Entry<String, com.google.protobuf.ByteString> e : new TreeMap<>(newSpecs).entrySet()) {
        if (!e.getValue().equals(specs.get(e.getKey()))) {
          changedSpecs.add(io.easyremote.cluster.internal.proto.FunctionDecl.newBuilder().setFunction(e.getKey()).setSpec(e.getValue()).build());
        }
      }
      specs = Map.copyOf(newSpecs);
    }
    // Names are checked by the caller (NatsDirectory.publish), where a bad one can be thrown back.
    Map<String, Member> now = new HashMap<>(published.size() * 2 + 16);
    Map<String, int[]> loads = new HashMap<>(); // function -> nodes, healthy, capacity, free
    List<Member> upserts = new ArrayList<>();
    for (LocalNode node : nodes) {
      Member before = published.get(node.id());
      Member m = before != null && before.sameAs(node) ? before : Member.of(node);
      if (m != before) {
        upserts.add(m);
      }
      if (now.put(node.id(), m) != null) {
        throw new IllegalArgumentException("node id '" + node.id() + "' appears twice");
      }
      boolean up = node.health() == NodeHealth.UP;
      for (String function : node.functions()) {
        int[] sum = loads.get(function);
        if (sum == null) {
          sum = new int[4];
          loads.put(function, sum);
        }
        sum[0]++;
        if (up) {
          sum[1]++;
          sum[2] += node.capacity();
          sum[3] += node.free();
        }
      }
    }
    List<String> sortedFunctions = new ArrayList<>(loads.keySet());
    java.util.Collections.sort(sortedFunctions);
    List<FunctionLoad> newLoad = new ArrayList<>(loads.size());
    for (String f : sortedFunctions) {
      int[] sum = loads.get(f);
      newLoad.add(FunctionLoad.newBuilder().setFunction(f).setNodes(sum[0]).setHealthyNodes(sum[1]).setCapacity(sum[2]).setFreeSlots(sum[3])
          .build());
    }
    load = newLoad;

    List<String> removed = new ArrayList<>();
    for (String id : published.keySet()) {
      if (!now.containsKey(id)) {
        removed.add(id);
      }
    }
    published = now;
    if (upserts.isEmpty() && removed.isEmpty() && changedSpecs.isEmpty()) {
      return List.of();
    }
    List<DirectoryMessage> out = new ArrayList<>();
    Delta.Builder delta = Delta.newBuilder();
    StringTable table = new StringTable();
    int bytes = 0;
    for (String id : removed) {
      int size = id.length() + 3;
      if (bytes + size > maxMessageBytes && (delta.getRemovedCount() > 0)) {
        out.add(deltaMessage(delta, table, false));
        delta = Delta.newBuilder();
        table = new StringTable();
        bytes = 0;
      }
      delta.addRemoved(id);
      bytes += size;
    }
    for (Member m : upserts) {
      int before = table.bytes();
      Node node = encode(m, table);
      int size = node.getSerializedSize() + 3 + table.bytes() - before;
      if (bytes + size > maxMessageBytes && (delta.getUpsertsCount() > 0 || delta.getRemovedCount() > 0)) {
        out.add(deltaMessage(delta, table, false));
        delta = Delta.newBuilder();
        table = new StringTable();
        node = encode(m, table);
        size = node.getSerializedSize() + 3 + table.bytes();
        bytes = 0;
      }
      delta.addUpserts(node);
      bytes += size;
    }
    delta.addAllSpecs(changedSpecs);
    out.add(deltaMessage(delta, table, true));
    return out;
  }

  private DirectoryMessage deltaMessage(Delta.Builder delta, StringTable table, boolean last) {
    delta.addAllStrings(table.strings());
    if (last) {
      delta.addAllLoad(load);
    }
    return DirectoryMessage.newBuilder().setGatewayId(gatewayId).setEpoch(epoch).setSeq(++seq).setDelta(delta).build();
  }

  /** A heartbeat with the current load, at the current version. */
  public DirectoryMessage heartbeat() {
    return DirectoryMessage.newBuilder().setGatewayId(gatewayId).setEpoch(epoch).setSeq(seq)
        .setHeartbeat(Heartbeat.newBuilder().addAllLoad(load)).build();
  }

  /** The whole published membership at the current version, in parts. */
  public List<DirectoryMessage> snapshot() {
    List<SnapshotPart.Builder> parts = new ArrayList<>();
    List<StringTable> tables = new ArrayList<>();
    SnapshotPart.Builder part = SnapshotPart.newBuilder();
    StringTable table = new StringTable();
    int bytes = 0;
    for (Member m : published.values()) {
      int before = table.bytes();
      Node node = encode(m, table);
      int size = node.getSerializedSize() + 3 + table.bytes() - before;
      if (bytes + size > maxMessageBytes && part.getNodesCount() > 0) {
        parts.add(part);
        tables.add(table);
        part = SnapshotPart.newBuilder();
        table = new StringTable();
        node = encode(m, table);
        size = node.getSerializedSize() + 3 + table.bytes();
        bytes = 0;
      }
      part.addNodes(node);
      bytes += size;
    }
    parts.add(part);
    tables.add(table);
    List<DirectoryMessage> out = new ArrayList<>(parts.size());
    for (int i = 0; i < parts.size(); i++) {
      SnapshotPart.Builder p = parts.get(i).setPart(i).setParts(parts.size()).addAllStrings(tables.get(i).strings());
      if (i == parts.size() - 1) {
        p.addAllLoad(load);
        for (Map.Entry<String, com.google.protobuf.ByteString> e : new TreeMap<>(specs).entrySet()) {
          p.addSpecs(io.easyremote.cluster.internal.proto.FunctionDecl.newBuilder().setFunction(e.getKey()).setSpec(e.getValue()));
        }
      }
      out.add(DirectoryMessage.newBuilder().setGatewayId(gatewayId).setEpoch(epoch).setSeq(seq).setSnapshot(p).build());
    }
    return out;
  }

  /** The message that makes the others drop this gateway at once. */
  public DirectoryMessage goodbye() {
    return DirectoryMessage.newBuilder().setGatewayId(gatewayId).setEpoch(epoch).setSeq(seq).setGoodbye(Goodbye.getDefaultInstance()).build();
  }

  private static Node encode(Member m, StringTable table) {
    Node.Builder b = Node.newBuilder().setId(m.id()).setCapacity(m.capacity()).setHealth(health(m.health())).setCost(m.cost());
    for (String f : m.functions()) {
      b.addFunctions(table.indexOf(f));
    }
    for (String f : m.idempotent()) {
      b.addIdempotent(table.indexOf(f));
    }
    for (Map.Entry<String, String> label : new TreeMap<>(m.labels()).entrySet()) {
      b.addLabels(table.indexOf(label.getKey())).addLabels(table.indexOf(label.getValue()));
    }
    return b.build();
  }

  static Health health(NodeHealth health) {
    return switch (health) {
      case UP -> Health.UP;
      case SUSPECT -> Health.SUSPECT;
      case DRAINING -> Health.DRAINING;
    };
  }
}
