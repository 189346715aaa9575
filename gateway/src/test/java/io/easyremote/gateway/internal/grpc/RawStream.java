package io.easyremote.gateway.internal.grpc;

import com.linecorp.armeria.client.grpc.GrpcClients;
import io.easyremote.gateway.Gateway;
import io.grpc.stub.StreamObserver;
import java.util.concurrent.CompletableFuture;

/**
 * What a hand-driven stream to a gateway shares ({@link RawCallChannel}, {@link RawNode}): the
 * client, with no limit or timeout of its own, and {@link #ended}, which completes with the
 * stream's end (null for a normal end, the failure otherwise).
 *
 * @param <T> what the gateway sends
 */
abstract class RawStream<T> implements StreamObserver<T> {
  final CompletableFuture<Throwable> ended = new CompletableFuture<>();

  /** A stub of {@code type} on {@code gateway}'s loopback port. */
  static <S> S stub(Gateway gateway, Class<S> type) {
    return GrpcClients.builder("http://127.0.0.1:" + gateway.port())
        .maxResponseLength(0).responseTimeoutMillis(0).writeTimeoutMillis(0)
        .build(type);
  }

  @Override
  public void onError(Throwable t) {
    ended.complete(t);
  }

  @Override
  public void onCompleted() {
    ended.complete(null);
  }
}
