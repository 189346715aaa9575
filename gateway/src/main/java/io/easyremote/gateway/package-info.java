/**
 * The EasyRemote gateway. Start with {@link io.easyremote.gateway.Gateway#builder()}.
 *
 * <p>Everything under {@code io.easyremote.gateway.internal} is implementation: the call
 * scheduler (directory, queues, dispatch), balancers, and the front ends that translate gRPC into
 * scheduler calls.
 */
package io.easyremote.gateway;
