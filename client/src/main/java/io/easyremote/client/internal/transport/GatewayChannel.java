package io.easyremote.client.internal.transport;

import io.grpc.Channel;
import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * The one gRPC channel to a gateway, shared by a client and every copy derived from it. Only the
 * root client closes it.
 */
public final class GatewayChannel {
  /** Largest reply accepted from the gateway. */
  public static final int MAX_INBOUND_MESSAGE_BYTES = 64 << 20;

  private final String address;
  private final ManagedChannel managed;
  private final Channel channel;
  private final AtomicBoolean closed = new AtomicBoolean();

  private GatewayChannel(String address, ManagedChannel managed) {
    this.address = address;
    this.managed = managed;
    this.channel = managed;
  }

  /** TLS settings: {@code ca} is a PEM file of trusted authorities, or null for the system's. */
  public record Tls(java.nio.file.Path ca) {}

  /**
   * Opens a channel to {@code address} ({@code host:port}), plaintext when {@code tls} is null;
   * connects lazily, on the first call.
   */
  public static GatewayChannel open(String address, String callerId, String apiKey, Tls tls) {
    io.grpc.ChannelCredentials credentials;
    if (tls == null) {
      credentials = io.grpc.InsecureChannelCredentials.create();
    } else if (tls.ca() == null) {
      credentials = io.grpc.TlsChannelCredentials.create();
    } else {
      try {
        credentials = io.grpc.TlsChannelCredentials.newBuilder().trustManager(tls.ca().toFile()).build();
      } catch (java.io.IOException e) {
        throw new IllegalArgumentException("Cannot read CA file " + tls.ca() + ": " + e.getMessage(), e);
      }
    }
    ManagedChannel managed =
        io.grpc.Grpc.newChannelBuilder(address, credentials)
            .maxInboundMessageSize(MAX_INBOUND_MESSAGE_BYTES)
            .intercept(new HeadersInterceptor(callerId, apiKey))
            .build();
    return new GatewayChannel(address, managed);
  }

  /** The gateway address as configured, for messages. */
  public String address() {
    return address;
  }

  /** The channel to start calls on. */
  public Channel channel() {
    return channel;
  }

  /** Whether {@link #close} has been called. */
  public boolean isClosed() {
    return closed.get();
  }

  /**
   * Shuts the channel down now: in-flight calls fail. Waits at most {@code wait} for the transport
   * to terminate. Idempotent; an interrupt ends the wait early and is kept.
   */
  public void close(Duration wait) {
    if (!closed.compareAndSet(false, true)) {
      return;
    }
    managed.shutdownNow();
    try {
      managed.awaitTermination(wait.toNanos(), TimeUnit.NANOSECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
