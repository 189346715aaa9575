package io.easyremote.gateway.internal.grpc;

import io.grpc.stub.ServerCallStreamObserver;
import java.util.concurrent.Executor;

/**
 * Takes an inbound stream's messages in batches, handing the event loop back between them. With
 * gRPC's automatic demand, every message a read brought in is handled in that one read: a caller's
 * burst of 10,000 calls on its call channel kept the gateway's event loop busy for seconds, and the
 * heartbeats of the nodes it serves waited unread until the gateway declared those nodes silent
 * and failed their calls ({@code NODE_LOST}). Here, after {@link #BATCH} messages the next batch is
 * asked for from a task on the stream's event loop, which runs after the loop's other ready reads.
 * Not thread-safe: one per stream, used on its event loop.
 */
final class BatchedDemand {
  /** Messages handled per turn of the event loop: small enough that a turn stays short, large enough to keep the cost of asking low. */
  static final int BATCH = 64;

  private final ServerCallStreamObserver<?> stream;
  private final Executor loop;
  private int left = BATCH;

  /**
   * Takes over the demand of {@code stream}; call it in the service method, before it returns
   * (gRPC's rule for {@link ServerCallStreamObserver#disableAutoRequest}).
   */
  BatchedDemand(ServerCallStreamObserver<?> stream, Executor loop) {
    this.stream = stream;
    this.loop = loop;
    stream.disableAutoRequest();
    stream.request(BATCH);
  }

  /** One message was taken: after a whole batch, asks for the next one on a later turn of the loop. */
  void took() {
    if (--left == 0) {
      left = BATCH;
      loop.execute(() -> stream.request(BATCH));
    }
  }
}
