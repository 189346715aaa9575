package io.easyremote.client.internal.transport;

import io.easyremote.protocol.internal.GrpcNettyDefaults;
import io.grpc.Channel;
import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.netty.shaded.io.netty.channel.EventLoopGroup;
import io.grpc.netty.shaded.io.netty.channel.epoll.Epoll;
import io.grpc.netty.shaded.io.netty.channel.epoll.EpollEventLoopGroup;
import io.grpc.netty.shaded.io.netty.channel.epoll.EpollSocketChannel;
import io.grpc.netty.shaded.io.netty.channel.nio.NioEventLoopGroup;
import io.grpc.netty.shaded.io.netty.channel.socket.nio.NioSocketChannel;
import io.grpc.netty.shaded.io.netty.util.concurrent.DefaultThreadFactory;
import java.time.Duration;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * The one gRPC channel to a gateway, shared by a client and every copy derived from it, with an
 * event loop thread of its own (epoll where Netty's native transport loads, else NIO). Only the
 * root client closes it, which ends that thread too.
 */
public final class GatewayChannel {
  /** Largest reply accepted from the gateway. */
  public static final int MAX_INBOUND_MESSAGE_BYTES = 64 << 20;

  static {
    GrpcNettyDefaults.apply(); // before the first channel starts gRPC's Netty
  }

  private final String address;
  private final ManagedChannel managed;
  private final Channel channel;
  private final AtomicBoolean closed = new AtomicBoolean();
  private final boolean tls;
  private final CallChannel calls;
  private final EventLoopGroup loop;

  private GatewayChannel(String address, ManagedChannel managed, EventLoopGroup loop, boolean tls, boolean callChannel,
      io.opentelemetry.api.OpenTelemetry openTelemetry) {
    this.address = address;
    this.managed = managed;
    this.loop = loop;
    this.tls = tls;
    this.channel = managed;
    this.calls = callChannel ? new CallChannel(this, openTelemetry) : null;
  }

  /** TLS settings: {@code ca} is a PEM file of trusted authorities, or null for the system's. */
  public record Tls(java.nio.file.Path ca) {}

  /**
   * Opens a channel to {@code address} ({@code host:port}), plaintext when {@code tls} is null;
   * connects lazily, on the first call.
   */
  public static GatewayChannel open(String address, String callerId, String apiKey, Tls tls) {
    return open(address, callerId, apiKey, tls, io.opentelemetry.api.OpenTelemetry.noop(), true);
  }

  /**
   * The same, recording a span per call with {@code openTelemetry} and propagating the trace
   * context; with {@code callChannel}, unary calls share one {@code Gateway.CallChannel} stream
   * ({@link CallChannel}), else each is its own {@code Gateway.Call}.
   */
  public static GatewayChannel open(String address, String callerId, String apiKey, Tls tls,
      io.opentelemetry.api.OpenTelemetry openTelemetry, boolean callChannel) {
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
    // The channel's own event loop (one thread: it has one connection), stopped by close(), rather
    // than gRPC's shared one, which outlives the channel by a second. A JVM exits only after waiting
    // up to 300 ms for each thread blocked in native code (epoll_wait, select) to return to Java, so
    // every short-lived program (the CLI's call) took 0.3 s longer to end.
    boolean epoll = Epoll.isAvailable();
    ThreadFactory threads = new DefaultThreadFactory("easyremote-client-io", true);
    EventLoopGroup loop = epoll ? new EpollEventLoopGroup(1, threads) : new NioEventLoopGroup(1, threads);
    ManagedChannel managed;
    try {
      managed = NettyChannelBuilder.forTarget(address, credentials)
          .eventLoopGroup(loop)
          .channelType(epoll ? EpollSocketChannel.class : NioSocketChannel.class)
          .maxInboundMessageSize(MAX_INBOUND_MESSAGE_BYTES)
          .intercept(new HeadersInterceptor(callerId, apiKey), new TracingInterceptor(openTelemetry))
          .build();
    } catch (RuntimeException e) {
      loop.shutdownGracefully(0, 0, TimeUnit.MILLISECONDS);
      throw e;
    }
    return new GatewayChannel(address, managed, loop, tls != null, callChannel, openTelemetry);
  }

  /**
   * {@code hostPort} when it is {@code host:port}: a host name, an IPv4 address or a bracketed
   * IPv6 address, and a port from 1 to 65535.
   *
   * @throws IllegalArgumentException naming the problem otherwise
   */
  public static String checkAddress(String hostPort) {
    java.util.Objects.requireNonNull(hostPort, "gateway");
    int colon = hostPort.lastIndexOf(':');
    String problem = null;
    if (colon <= 0 || colon == hostPort.length() - 1) {
      problem = "missing host or port";
    } else {
      String host = hostPort.substring(0, colon);
      String port = hostPort.substring(colon + 1);
      boolean bracketed = host.startsWith("[") && host.endsWith("]") && host.length() > 2;
      if (!bracketed && !host.matches("[A-Za-z0-9.-]+")) { // no '_': gRPC's resolver refuses it at build()
        problem = "bad host '" + host + "'";
      } else if (!port.matches("[0-9]{1,5}") || Integer.parseInt(port) < 1 || Integer.parseInt(port) > 65535) {
        problem = "port must be 1 to 65535";
      }
    }
    if (problem != null) {
      throw new IllegalArgumentException(
          "gateway must be host:port, e.g. 127.0.0.1:8080 (" + problem + "): '" + hostPort + "'");
    }
    return hostPort;
  }

  /** Whether {@code s} can travel as a header value here: 1 to {@code maxLength} visible ASCII characters. */
  public static boolean isHeaderValue(String s, int maxLength) {
    if (s.isEmpty() || s.length() > maxLength) {
      return false;
    }
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c < 0x21 || c > 0x7e) {
        return false;
      }
    }
    return true;
  }

  /** The gateway address as configured, for messages. */
  public String address() {
    return address;
  }

  /** Whether the channel dials over TLS. */
  public boolean tls() {
    return tls;
  }

  /** The channel to start calls on. */
  public Channel channel() {
    return channel;
  }

  /** The call channel, or null when unary calls go as {@code Gateway.Call} each. */
  CallChannel calls() {
    return calls;
  }

  /** Whether {@link #close} has been called. */
  public boolean isClosed() {
    return closed.get();
  }

  /**
   * Shuts the channel down now: in-flight calls fail. Waits at most {@code wait} for the transport
   * to terminate and the channel's event loop thread to end. Idempotent; an interrupt ends the wait
   * early and is kept.
   */
  public void close(Duration wait) {
    if (!closed.compareAndSet(false, true)) {
      return;
    }
    long until = System.nanoTime() + wait.toNanos();
    managed.shutdownNow();
    if (calls != null) {
      calls.close();
    }
    try {
      managed.awaitTermination(wait.toNanos(), TimeUnit.NANOSECONDS);
      loop.shutdownGracefully(0, wait.toMillis(), TimeUnit.MILLISECONDS)
          .await(Math.max(0, until - System.nanoTime()), TimeUnit.NANOSECONDS);
    } catch (InterruptedException e) {
      loop.shutdownGracefully(0, 0, TimeUnit.MILLISECONDS); // no wait, but the thread still ends
      Thread.currentThread().interrupt();
    }
  }
}
