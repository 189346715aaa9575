/**
 * What gateway, node and client share: {@link io.easyremote.protocol.Remote} to mark functions,
 * {@link io.easyremote.protocol.RemoteException} and its {@link io.easyremote.protocol.ErrorCode}
 * for every failure, {@link io.easyremote.protocol.TypeRef} for generic results, and the status
 * records {@link io.easyremote.protocol.NodeInfo} and {@link io.easyremote.protocol.FunctionInfo}, the
 * {@link io.easyremote.protocol.Version} on the wire, and {@link io.easyremote.protocol.DurationText}
 * for durations as people type them.
 *
 * <p>The wire contract itself is {@code easyremote/v1/easyremote.proto}, generated into
 * {@code io.easyremote.protocol.wire}. Classes under {@code .internal} are not public API: they are the wire
 * helpers gateway, node and client share, and no other module may use them (an ArchUnit test in
 * the {@code architecture} module checks it).
 */
package io.easyremote.protocol;
