/**
 * How the NATS directory works inside: {@link io.easyremote.cluster.internal.Publisher} turns this
 * gateway's nodes into deltas, heartbeats and snapshots; {@link io.easyremote.cluster.internal.Receiver}
 * checks and applies the other gateways' messages and expires the silent ones. Neither touches
 * NATS; {@code NatsDirectory} moves their bytes.
 */
package io.easyremote.cluster.internal;
