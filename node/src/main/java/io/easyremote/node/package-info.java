/**
 * The compute node: {@link io.easyremote.node.ComputeNode} registers plain Java methods (marked
 * {@link io.easyremote.protocol.Remote}) and runs them on this machine for callers of a gateway.
 * Streaming functions return a {@code Stream}, {@code Iterator}, {@code Iterable} or
 * {@code Flow.Publisher}, or take an {@link io.easyremote.node.Emitter}.
 *
 * <p>Everything under {@code io.easyremote.node.internal} is implementation.
 */
package io.easyremote.node;
