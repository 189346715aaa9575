package io.easyremote.testing;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketException;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A TCP proxy on 127.0.0.1 for fault injection: put it between a node and the gateway, then
 * {@link #cut()} every connection abruptly (a reset, no goodbye) to simulate a crashed node or a
 * dropped network. New connections are accepted again right after, so a node can reconnect.
 *
 * <p>Thread-safe. Close it when done; it uses daemon threads, two per connection.
 */
public final class TcpProxy implements AutoCloseable {
  private final InetSocketAddress target;
  private final ServerSocket server;
  private final List<Socket> sockets = new CopyOnWriteArrayList<>();
  private volatile boolean closed;
  private final Object stallLock = new Object();
  private boolean upstreamStalled;

  /** Starts a proxy to {@code host:port} on a free loopback port. */
  public static TcpProxy start(String targetAddress) {
    int colon = targetAddress.lastIndexOf(':');
    return new TcpProxy(new InetSocketAddress(targetAddress.substring(0, colon), Integer.parseInt(targetAddress.substring(colon + 1))));
  }

  private TcpProxy(InetSocketAddress target) {
    this.target = target;
    try {
      this.server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
    } catch (IOException e) {
      throw new IllegalStateException("Cannot open a proxy port", e);
    }
    Thread acceptor = new Thread(this::acceptLoop, "tcp-proxy-accept-" + server.getLocalPort());
    acceptor.setDaemon(true);
    acceptor.start();
  }

  /** {@code 127.0.0.1:port} to dial instead of the target. */
  public String address() {
    return "127.0.0.1:" + server.getLocalPort();
  }

  /** Resets every open connection at once (RST, like a crash). */
  public void cut() {
    for (Socket socket : sockets) {
      try {
        socket.setSoLinger(true, 0);
      } catch (SocketException ignored) {
        // already closed
      }
      closeQuietly(socket);
    }
    sockets.clear();
  }

  /**
   * Stops forwarding bytes from the dialer to the target while keeping every connection open,
   * like a stalled proxy or a silently dead network: no FIN, no RST, nothing arrives. The other
   * direction keeps flowing. Undo with {@link #resume()}.
   */
  public void stallUpstream() {
    synchronized (stallLock) {
      upstreamStalled = true;
    }
  }

  /** Forwards again after {@link #stallUpstream()}. */
  public void resume() {
    synchronized (stallLock) {
      upstreamStalled = false;
      stallLock.notifyAll();
    }
  }

  /** Connections currently open, counting both sides. */
  public int openSockets() {
    return sockets.size();
  }

  @Override
  public void close() {
    closed = true;
    resume();
    closeQuietly(server);
    cut();
  }

  private void acceptLoop() {
    while (!closed) {
      try {
        Socket inbound = server.accept();
        Socket outbound = new Socket();
        try {
          outbound.connect(target, 5_000);
        } catch (IOException e) {
          closeQuietly(inbound);
          closeQuietly(outbound);
          continue;
        }
        inbound.setTcpNoDelay(true);
        outbound.setTcpNoDelay(true);
        sockets.add(inbound);
        sockets.add(outbound);
        pump(inbound, outbound, true);
        pump(outbound, inbound, false);
      } catch (IOException e) {
        if (!closed) {
          continue;
        }
        return;
      }
    }
  }

  private void pump(Socket from, Socket to, boolean upstream) {
    Thread t = new Thread(() -> {
      byte[] buffer = new byte[64 * 1024];
      try (InputStream in = from.getInputStream(); OutputStream out = to.getOutputStream()) {
        int n;
        while ((n = in.read(buffer)) >= 0) {
          if (upstream) {
            awaitNotStalled();
          }
          out.write(buffer, 0, n);
          out.flush();
        }
      } catch (IOException e) {
        // connection ended or was cut
      } finally {
        closeQuietly(from);
        closeQuietly(to);
        sockets.remove(from);
        sockets.remove(to);
      }
    }, "tcp-proxy-pump");
    t.setDaemon(true);
    t.start();
  }

  private void awaitNotStalled() throws IOException {
    synchronized (stallLock) {
      while (upstreamStalled && !closed) {
        try {
          stallLock.wait(100);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          throw new IOException("interrupted while stalled", e);
        }
      }
    }
  }

  private static void closeQuietly(AutoCloseable c) {
    try {
      c.close();
    } catch (Exception ignored) {
      // best effort
    }
  }
}
