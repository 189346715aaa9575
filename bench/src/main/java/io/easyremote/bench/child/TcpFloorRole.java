package io.easyremote.bench.child;

import java.io.EOFException;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.util.Map;

/**
 * What relaying costs by itself, in plain TCP on loopback: {@code echo} answers each
 * length-prefixed message (at most 64 MiB) with itself; {@code relay <port>} passes bytes on to
 * that port and back as they come, 64 KiB at a time, one thread each way, with no framing, parsing
 * or copying beyond the socket reads and writes. The time such a relay adds to a large echo on
 * these cores is the least any relay adds.
 */
final class TcpFloorRole implements ChildRole {
  private static final int PUMP_BUFFER = 64 << 10;
  private static final int MAX_MESSAGE = 64 << 20;

  private final InetSocketAddress upstream;
  private ServerSocketChannel server;

  TcpFloorRole(String[] args) {
    if (args.length == 1 && args[0].equals("echo")) {
      upstream = null;
    } else if (args.length == 2 && args[0].equals("relay")) {
      upstream = new InetSocketAddress("127.0.0.1", Integer.parseInt(args[1]));
    } else {
      throw new IllegalArgumentException("usage: tcp echo | tcp relay <port>");
    }
  }

  @Override
  public Map<String, String> start() throws IOException {
    server = ServerSocketChannel.open().bind(new InetSocketAddress("127.0.0.1", 0));
    Thread acceptor = new Thread(this::accept, "tcp-floor-accept");
    acceptor.setDaemon(true);
    acceptor.start();
    return Map.of("port", Integer.toString(server.socket().getLocalPort()));
  }

  private void accept() {
    try {
      while (true) {
        SocketChannel client = server.accept();
        client.setOption(StandardSocketOptions.TCP_NODELAY, true);
        if (upstream == null) {
          daemon("tcp-floor-echo", () -> echo(client));
        } else {
          SocketChannel up = SocketChannel.open(upstream);
          up.setOption(StandardSocketOptions.TCP_NODELAY, true);
          daemon("tcp-floor-out", () -> pump(client, up));
          daemon("tcp-floor-back", () -> pump(up, client));
        }
      }
    } catch (IOException e) {
      // closed
    }
  }

  private static void daemon(String name, Runnable task) {
    Thread t = new Thread(task, name);
    t.setDaemon(true);
    t.start();
  }

  /** Reads a 4-byte length and that many bytes, writes both back; until the caller closes. */
  private static void echo(SocketChannel c) {
    try (c) {
      ByteBuffer header = ByteBuffer.allocate(4);
      ByteBuffer body = ByteBuffer.allocateDirect(1 << 20);
      ByteBuffer[] reply = {header, body};
      while (true) {
        header.clear();
        if (!readFully(c, header)) {
          return;
        }
        int size = header.getInt(0);
        if (size < 0 || size > MAX_MESSAGE) {
          return; // not a message of the bench's: hang up
        }
        if (body.capacity() < size) {
          body = ByteBuffer.allocateDirect(size);
          reply[1] = body;
        }
        body.clear().limit(size);
        if (!readFully(c, body)) {
          return;
        }
        header.flip();
        body.flip();
        while (header.hasRemaining() || body.hasRemaining()) {
          c.write(reply);
        }
      }
    } catch (IOException e) {
      // the caller went away
    }
  }

  /** Copies what {@code from} gives to {@code to}, as it comes, until either side closes. */
  private static void pump(SocketChannel from, SocketChannel to) {
    ByteBuffer buffer = ByteBuffer.allocateDirect(PUMP_BUFFER);
    try (from; to) { // both closed, whichever side went away
      while (from.read(buffer.clear()) >= 0) {
        buffer.flip();
        while (buffer.hasRemaining()) {
          to.write(buffer);
        }
      }
    } catch (IOException e) {
      // one side went away
    }
  }

  /** Fills {@code buffer}; false at a clean end of input before its first byte. */
  private static boolean readFully(SocketChannel c, ByteBuffer buffer) throws IOException {
    boolean first = true;
    while (buffer.hasRemaining()) {
      if (c.read(buffer) < 0) {
        if (first) {
          return false;
        }
        throw new EOFException("the connection closed in the middle of a message");
      }
      first = false;
    }
    return true;
  }

  @Override
  public void close() throws IOException {
    server.close();
  }
}
