package io.easyremote.client.internal.proxy;

import io.easyremote.client.internal.call.Invoker;
import io.easyremote.client.internal.codec.ResultReader;

/** {@code CompletableFuture<T>}: returns at once; cancelling the future cancels the call. */
final class FutureReturn implements ReturnKind {
  private final ResultReader<?> reader;

  FutureReturn(ResultReader<?> reader) {
    this.reader = reader;
  }

  @Override
  public Object invoke(Invoker invoker, String function, Object[] args) {
    return invoker.call(null, function, reader, args);
  }
}
