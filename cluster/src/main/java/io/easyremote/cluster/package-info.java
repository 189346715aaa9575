/**
 * The cluster directory: which functions the nodes of every other gateway offer, kept converged
 * over NATS. Start with {@link io.easyremote.cluster.ClusterDirectory} (what a gateway publishes and
 * reads) and {@link io.easyremote.cluster.NatsDirectory} (its NATS implementation and builder).
 *
 * <p>Directory only: forwarding calls between gateways is not wired yet (docs/cluster.md).
 */
package io.easyremote.cluster;
