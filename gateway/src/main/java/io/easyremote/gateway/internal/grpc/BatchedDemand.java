package io.easyremote.gateway.internal.grpc;

import io.grpc.stub.ServerCallStreamObserver;
import java.util.concurrent.Executor;

/**
 * Takes an inbound stream's messages a bounded share per turn of the event loop, handing the loop
 * back between shares. With gRPC's automatic demand, every message a read brought in is handled in
 * that one read: a caller's burst of 10,000 calls on its call channel kept the gateway's event loop
 * busy for seconds, and the heartbeats of the nodes it serves waited unread until the gateway
 * declared those nodes silent and failed their calls ({@code NODE_LOST}). Here messages are asked
 * for one at a time, as gRPC does, until they have carried {@link #BATCH} frames (a message of a
 * batch frame counts its frames); the next one is then asked for from a task on the stream's event
 * loop, which runs after the loop's other ready reads. Not thread-safe: one per stream, used on its
 * event loop.
 */
final class BatchedDemand {
  /** Frames handled per turn of the event loop: small enough that a turn stays short. */
  static final int BATCH = 64;

  private final ServerCallStreamObserver<?> stream;
  private final Executor loop;
  private final Runnable askLater;
  private int left = BATCH;

  /**
   * Takes over the demand of {@code stream}; call it in the service method, before it returns
   * (gRPC's rule for {@link ServerCallStreamObserver#disableAutoRequest}).
   */
  BatchedDemand(ServerCallStreamObserver<?> stream, Executor loop) {
    this.stream = stream;
    this.loop = loop;
    this.askLater = () -> stream.request(1);
    stream.disableAutoRequest();
    stream.request(1);
  }

  /** A message of one frame was taken. */
  void took() {
    took(1);
  }

  /**
   * A message that carried {@code frames} frames was taken: asks for the next message now, or,
   * once this turn's share is used up, from a later turn of the loop.
   */
  void took(int frames) {
    left -= Math.max(1, frames);
    if (left > 0) {
      stream.request(1);
    } else {
      left = BATCH;
      loop.execute(askLater);
    }
  }
}
