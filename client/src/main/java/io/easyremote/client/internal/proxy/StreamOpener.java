package io.easyremote.client.internal.proxy;

import io.easyremote.client.ResultStream;
import io.easyremote.client.internal.codec.ResultReader;
import java.util.function.Supplier;

/** Prepares streaming calls for proxy methods; the client supplies it, as only it can make a {@link ResultStream}. */
@FunctionalInterface
public interface StreamOpener {
  /**
   * Checks and encodes a call of {@code function} now; each {@code get()} of the result opens it.
   *
   * @throws io.easyremote.protocol.RemoteException for a bad name or arguments, before anything is sent
   */
  Supplier<ResultStream<?>> prepare(String function, ResultReader<?> reader, Object[] args);
}
