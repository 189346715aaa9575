package io.easyremote.cluster.internal;

import io.easyremote.cluster.LocalNode;
import io.easyremote.cluster.NodeHealth;
import java.util.Map;
import java.util.Set;

/** What is shared about one node: everything but its load. Two equal members need no message. */
record Member(String id, Set<String> functions, int capacity, NodeHealth health, Map<String, String> labels, double cost,
    Set<String> idempotent) {
  /** Whether {@code node} still has this membership (the same sets and maps are usually the same instances). */
  boolean sameAs(LocalNode node) {
    return capacity == node.capacity() && health == node.health() && Double.compare(cost, node.cost()) == 0
        && (functions == node.functions() || functions.equals(node.functions()))
        && (labels == node.labels() || labels.equals(node.labels()))
        && (idempotent == node.idempotent() || idempotent.equals(node.idempotent()));
  }

  static Member of(LocalNode node) {
    return new Member(node.id(), node.functions(), node.capacity(), node.health(), node.labels(), node.cost(), node.idempotent());
  }
}
