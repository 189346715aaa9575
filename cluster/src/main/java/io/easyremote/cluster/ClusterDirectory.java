package io.easyremote.cluster;

/**
 * The cluster directory of one gateway: it publishes what this gateway's nodes offer and keeps a
 * converged view of what the other gateways' nodes offer. The gateway implements nothing; it
 * calls {@link #publish} when its nodes change (and, about once per heartbeat, for their load) and reads {@link #view()}
 * or listens for changes.
 *
 * <pre>{@code
 * ClusterDirectory directory = NatsDirectory.builder()
 *     .servers("nats://127.0.0.1:4222").gatewayId("gw-a").userPassword("gw-a", secret)
 *     .build().start();
 * directory.addListener(change -> routingTable.refresh(change.view()));
 * directory.publish(List.of(LocalNode.of("laptop", Set.of("add"), 8, 0)));
 * List<FunctionOffer> offers = directory.view().offers("add");
 * }</pre>
 *
 * <p>Thread-safe. Entries of a gateway that stops publishing (crashed, cut off from NATS) vanish
 * from every view within the expiry; a gateway that closes says goodbye and vanishes at once.
 */
public interface ClusterDirectory extends AutoCloseable {
  /** This gateway's id in the cluster. */
  String gatewayId();

  /**
   * Replaces what this gateway offers with {@code nodes} (every local node, not a change). Returns
   * once the list is checked; the directory sends the difference to the others shortly after
   * (changes made close together travel in one message), and the load with the next heartbeat.
   * Call it when nodes join, change or leave, and for load at most about once per heartbeat: each
   * call costs O(local nodes).
   *
   * @throws IllegalArgumentException when a node id or function name is not a valid name (1 to
   *     256 characters, no control characters) or a node id appears twice
   */
  void publish(Iterable<LocalNode> nodes);

  /**
   * Like {@link #publish(Iterable)}, with this gateway's function specs (opaque bytes by function
   * name: the gateway's FunctionSpec), shared once per function and gateway, only when they change;
   * receivers see them in {@link GatewayEntry#specs()}.
   *
   * @throws IllegalArgumentException as {@link #publish(Iterable)}, or when a spec is over 64 KiB
   */
  default void publish(Iterable<LocalNode> nodes, java.util.Map<String, com.google.protobuf.ByteString> specs) {
    publish(nodes);
  }

  /** The other gateways as known now (immutable; never this gateway's own nodes). */
  DirectoryView view();

  /** Calls {@code listener} after every change to the view until the returned handle is closed. */
  AutoCloseable addListener(DirectoryListener listener);

  /** Counters since start. */
  DirectoryStats stats();

  /** Says goodbye (the others drop this gateway's entries at once) and disconnects. */
  @Override
  void close();
}
