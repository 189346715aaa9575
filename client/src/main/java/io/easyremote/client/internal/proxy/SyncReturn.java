package io.easyremote.client.internal.proxy;

import io.easyremote.client.internal.call.Await;
import io.easyremote.client.internal.call.Invoker;
import io.easyremote.client.internal.codec.ResultReader;

/** A plain return type (or {@code void}): blocks until the result arrives. */
final class SyncReturn implements ReturnKind {
  private final ResultReader<?> reader;

  SyncReturn(ResultReader<?> reader) {
    this.reader = reader;
  }

  @Override
  public Object invoke(Invoker invoker, String function, Object[] args) {
    return Await.blocking(invoker, "'" + function + "'", inv -> inv.call(null, function, reader, args));
  }
}
