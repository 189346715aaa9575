package io.easyremote.client.internal.proxy;

import io.easyremote.client.ResultStream;
import io.easyremote.client.internal.codec.ResultReader;

/** Opens a streaming call for a proxy method; the client supplies it. */
@FunctionalInterface
public interface StreamOpener {
  /** Starts {@code function} with {@code args} and returns its items. */
  ResultStream<?> open(String function, ResultReader<?> reader, Object[] args);
}
