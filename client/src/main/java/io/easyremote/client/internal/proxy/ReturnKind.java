package io.easyremote.client.internal.proxy;

import io.easyremote.client.internal.call.Invoker;

/**
 * How a proxy method delivers its result; one implementation per kind of return type, chosen once
 * per method by {@link ReturnKinds} when the proxy is created: {@link SyncReturn} (a plain type),
 * {@link FutureReturn} ({@code CompletableFuture<T>}) and {@link StreamReturn} ({@code Stream<T>},
 * {@code Iterator<T>}, {@code Flow.Publisher<T>}, {@code ResultStream<T>}).
 */
interface ReturnKind {
  /** Calls {@code function} with {@code args} (never null) and returns what the method returns. */
  Object invoke(Invoker invoker, String function, Object[] args);
}
