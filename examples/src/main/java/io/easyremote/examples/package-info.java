/**
 * Runnable examples quoted by the README: {@link io.easyremote.examples.QuickStart} (call by name,
 * async and through a proxy), {@link io.easyremote.examples.TypedProxyExample} (a typed interface
 * with a {@code CompletableFuture} method) and {@link io.easyremote.examples.ErrorHandlingExample}
 * (switching on {@code RemoteException.code()}). Each has a test calling the same method as its
 * {@code main}, so the examples cannot rot.
 */
package io.easyremote.examples;
