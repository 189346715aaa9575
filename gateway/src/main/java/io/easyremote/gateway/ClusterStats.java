package io.easyremote.gateway;

/**
 * A gateway's view of its cluster and its counters since start ({@link Gateway#clusterStats()}).
 *
 * @param gatewayId this gateway's id in the cluster
 * @param remoteGateways other gateways alive in the directory
 * @param remoteNodes nodes connected to other gateways
 * @param forwarded calls this gateway forwarded to others
 * @param forwardFailures forwarded calls that got no answer (the gateway was gone, the deadline passed, NATS failed)
 * @param servedForPeers calls other gateways forwarded here and this gateway ran through its scheduler
 * @param ignoredForwards messages on this gateway's forward subject that were ignored: bad signature,
 *     malformed, addressed to another gateway, too old, a replay of a call already received, or not a request
 * @param ignoredReplies messages on this gateway's answer inbox that were ignored: not signed by the
 *     gateway the call went to (for that call), malformed, a repeated stream part, or for no call waiting
 * @param forwardedWhenBusy of {@code forwarded}, the calls sent elsewhere because every local node
 *     offering their function was busy ({@link ClusterConfig.Builder#forwardWhenQueued})
 * @param cutOffMillis how long this gateway has been cut off from NATS (its forwarding connection
 *     down, reconnecting); 0 while connected. Meanwhile it keeps its view of the others, and calls
 *     that must go to another gateway fail with UNAVAILABLE once the cut-off outlasts the
 *     directory's expiry ({@code docs/cluster.md})
 */
public record ClusterStats(String gatewayId, int remoteGateways, int remoteNodes, long forwarded, long forwardFailures,
    long servedForPeers, long ignoredForwards, long ignoredReplies, long forwardedWhenBusy, long cutOffMillis) {
}
