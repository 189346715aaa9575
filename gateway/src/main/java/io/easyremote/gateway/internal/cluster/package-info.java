/**
 * The gateway in a cluster of gateways on NATS: publishing the local nodes to the cluster
 * directory ({@link io.easyremote.gateway.internal.cluster.GatewayCluster}), forwarding calls no
 * local node can take ({@link io.easyremote.gateway.internal.cluster.ClusterForwarder}) and serving
 * calls other gateways forward here ({@link io.easyremote.gateway.internal.cluster.ForwardedCallServer}).
 */
package io.easyremote.gateway.internal.cluster;
