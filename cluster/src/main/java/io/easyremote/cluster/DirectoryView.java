package io.easyremote.cluster;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;

/**
 * The directory's view of the other gateways at one moment: an immutable snapshot, safe to read
 * from any thread. {@link ClusterDirectory#view()} returns a new one after every change.
 */
public final class DirectoryView {
  /** The view with no other gateways. */
  public static final DirectoryView EMPTY = new DirectoryView(Map.of());

  private final Map<String, GatewayEntry> gateways;

  /** A view of these gateways' entries (by gateway id; the map is kept, not copied). */
  public DirectoryView(Map<String, GatewayEntry> gateways) {
    this.gateways = gateways;
  }

  /** The other gateways by id. */
  public Map<String, GatewayEntry> gateways() {
    return gateways;
  }

  /** One gateway's entry, if it is known and alive. */
  public Optional<GatewayEntry> gateway(String gatewayId) {
    return Optional.ofNullable(gateways.get(gatewayId));
  }

  /** Every other gateway's offer for {@code function} (empty when none offers it). */
  public List<FunctionOffer> offers(String function) {
    List<FunctionOffer> offers = new ArrayList<>(gateways.size());
    for (GatewayEntry entry : gateways.values()) {
      FunctionOffer offer = entry.offers().get(function);
      if (offer != null) {
        offers.add(offer);
      }
    }
    return offers;
  }

  /** The remote node with this id, on whichever gateway holds it. */
  public Optional<RemoteNode> node(String nodeId) {
    for (GatewayEntry entry : gateways.values()) {
      RemoteNode node = entry.nodes().get(nodeId);
      if (node != null) {
        return Optional.of(node);
      }
    }
    return Optional.empty();
  }

  /** Every remote node, gateway by gateway. */
  public List<RemoteNode> nodes() {
    List<RemoteNode> all = new ArrayList<>(nodeCount());
    gateways.values().forEach(g -> all.addAll(g.nodes().values()));
    return all;
  }

  /** How many remote nodes the view holds. */
  public int nodeCount() {
    int n = 0;
    for (GatewayEntry entry : gateways.values()) {
      n += entry.nodes().size();
    }
    return n;
  }

  /** The names of every function some other gateway offers, sorted. */
  public Set<String> functions() {
    Set<String> names = new TreeSet<>();
    gateways.values().forEach(g -> names.addAll(g.offers().keySet()));
    return names;
  }

  @Override
  public String toString() {
    return "DirectoryView" + gateways.keySet() + " (" + nodeCount() + " nodes)";
  }
}
