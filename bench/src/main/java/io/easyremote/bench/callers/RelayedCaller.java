package io.easyremote.bench.callers;

import io.easyremote.client.Client;
import java.util.Arrays;
import java.util.concurrent.CompletableFuture;

/** The product path: {@link Client#call} through the gateway to a node's {@code echo} or {@code echoBytes}. */
public final class RelayedCaller implements Caller {
  private final String name;
  private final Client client;
  private final String text;
  private final byte[] data;

  private RelayedCaller(String name, Client client, String text, byte[] data) {
    this.name = name;
    this.client = client;
    this.text = text;
    this.data = data;
  }

  /** Calls {@code echo(String)} with {@code size} characters (a JSON payload). */
  public static RelayedCaller text(String name, Client client, int size) {
    return new RelayedCaller(name, client, Caller.text(size), null);
  }

  /** Calls {@code echoBytes(byte[])} with {@code size} bytes (a raw BINARY payload). */
  public static RelayedCaller bytes(String name, Client client, int size) {
    return new RelayedCaller(name, client, null, Caller.bytes(size));
  }

  @Override
  public String name() {
    return name;
  }

  @Override
  public CompletableFuture<Void> callAsync() {
    if (data == null) {
      return client.callAsync("echo", String.class, text).thenAccept(answer -> Caller.check(text.equals(answer), name));
    }
    return client.callAsync("echoBytes", byte[].class, (Object) data).thenAccept(answer -> Caller.check(Arrays.equals(data, answer), name));
  }

  @Override
  public void call() {
    if (data == null) {
      Caller.check(text.equals(client.call("echo", String.class, text)), name);
    } else {
      Caller.check(Arrays.equals(data, client.call("echoBytes", byte[].class, (Object) data)), name);
    }
  }
}
