/**
 * Calls functions on an EasyRemote network: start with {@link io.easyremote.client.Client}
 * ({@link io.easyremote.client.Client#connect(String)} or
 * {@link io.easyremote.client.Client#builder()}).
 *
 * <p>Call by name ({@code client.call("add", Integer.class, 1, 2)}), asynchronously
 * ({@code callAsync}), on a chosen node ({@code callNode}), with details
 * ({@link io.easyremote.client.CallResult}), as a flow-controlled stream of items
 * ({@link io.easyremote.client.ResultStream}, from {@code client.stream(...)}), or through a typed
 * interface ({@code client.proxy(Calculator.class)}). Fan a function out over every node offering it:
 * {@code client.map(...)} over many argument lists ({@link io.easyremote.client.MapRun}, in input
 * order as items complete) and {@code client.broadcast(...)} once per node
 * ({@link io.easyremote.client.Gathered}), both shaped by {@link io.easyremote.client.FanOut}.
 * Route, limit and retry calls per client copy
 * with {@link io.easyremote.client.CallOptions} and {@link io.easyremote.client.RetryPolicy}
 * (bounded by a {@link io.easyremote.client.SlidingWindowRetryBudget}; see
 * {@link io.easyremote.client.ClientStats}). Every failure is an
 * {@link io.easyremote.protocol.RemoteException} whose {@link io.easyremote.protocol.ErrorCode}
 * says what happened and whether to retry.
 *
 * <p>Everything outside this package ({@code io.easyremote.client.internal.*}) is an
 * implementation detail and may change without notice.
 */
package io.easyremote.client;
