package io.easyremote.gateway.internal.transport;

import com.linecorp.armeria.common.Flags;
import com.linecorp.armeria.common.util.EventLoopGroups;
import com.linecorp.armeria.common.util.TransportType;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.IoHandlerFactory;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.util.concurrent.FastThreadLocalThread;
import io.netty.util.concurrent.Future;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The acceptor ("boss") event loops of the gateway's server, which stop without Netty's 2 s quiet
 * period. For {@code ServerBuilder.bossGroupFactory}.
 *
 * <p>Why a subclass: Armeria 1.36.0's {@code Server.stop()} closes each listening channel and then
 * calls the no-argument {@code shutdownGracefully()} on {@code channel.eventLoop().parent()}. That
 * is the Netty group that made the loop, not the group a factory returned, so a group built with
 * {@code EventLoopGroups.builder().gracefulShutdown(ZERO, ...)} (a wrapper) is bypassed and Netty's
 * default applies: every stop waited 2 s for a loop with nothing left on it. Here the group that
 * makes the loops is the one that overrides {@code shutdownGracefully()}.
 *
 * <p>A zero quiet period is safe because Armeria stops these loops only after their listening
 * channel is closed: they accept connections and hand them to the worker loops, nothing else runs
 * on them. Calls are drained before the server stops, and connections live on the worker loops.
 *
 * <p>The thread keeps Armeria's name ({@code armeria-boss-http-<host>:<port>}): Armeria renames
 * it once the port is bound, so the name does not tell which factory made the loop.
 */
public final class AcceptorLoops {
  private static final Logger log = LoggerFactory.getLogger(AcceptorLoops.class);

  /** Bound on the (normally immediate) shutdown of an acceptor loop. */
  static final long SHUTDOWN_TIMEOUT_SECONDS = 2;

  private AcceptorLoops() {}

  /**
   * A one-thread acceptor group for the listening port whose thread is to be called
   * {@code threadName} (Armeria renames it once the port is bound), with a zero quiet period on
   * shutdown. The thread is not a daemon, as with Armeria's default. Where the transport's
   * handler cannot be found, a plain group, which stops with Netty's default quiet period.
   */
  public static EventLoopGroup newGroup(String threadName) {
    TransportType transport = Flags.transportType();
    ThreadFactory threads = task -> {
      Thread t = new FastThreadLocalThread(task, threadName);
      t.setDaemon(false);
      return t;
    };
    IoHandlerFactory io = ioHandlerFactory(transport);
    return io == null ? EventLoopGroups.newEventLoopGroup(1, threads) : new QuietlessGroup(threads, io);
  }

  /**
   * The I/O handler matching the server channel type Armeria picks for {@code transport}, or null.
   * The native handlers are looked up by name, as Armeria does: their classes are only on the
   * runtime class path.
   */
  static IoHandlerFactory ioHandlerFactory(TransportType transport) {
    if (transport == TransportType.NIO) {
      return NioIoHandler.newFactory();
    }
    String handler = switch (transport) {
      case EPOLL -> "io.netty.channel.epoll.EpollIoHandler";
      case KQUEUE -> "io.netty.channel.kqueue.KQueueIoHandler";
      case IO_URING -> "io.netty.channel.uring.IoUringIoHandler";
      default -> null;
    };
    if (handler == null) {
      return null;
    }
    try {
      return (IoHandlerFactory) Class.forName(handler).getMethod("newFactory").invoke(null);
    } catch (ReflectiveOperationException | LinkageError | ClassCastException e) {
      log.debug("No {} for the acceptor loop; it stops with Netty's quiet period: {}", handler, e.toString());
      return null;
    }
  }

  /** One loop whose group stops without a quiet period when asked to stop with Netty's defaults. */
  static final class QuietlessGroup extends MultiThreadIoEventLoopGroup {
    QuietlessGroup(ThreadFactory threads, IoHandlerFactory io) {
      super(1, threads, io);
    }

    @Override
    public Future<?> shutdownGracefully() {
      return shutdownGracefully(0, SHUTDOWN_TIMEOUT_SECONDS, TimeUnit.SECONDS);
    }
  }
}
