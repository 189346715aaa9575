package io.easyremote.bench.callers;

import java.io.EOFException;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;

/**
 * A large echo in plain TCP: a 4-byte length and {@code size} bytes out, the same back, on one
 * connection to the bench's plain TCP echo server, directly or through its byte relay (what
 * relaying costs by itself; see {@code TcpFloorRole}). Calls are serialized on the connection.
 */
public final class TcpCaller implements Caller {
  private final String name;
  private final SocketChannel channel;
  private final ByteBuffer out;
  private final ByteBuffer in;
  private final int size;

  /** {@code size} bytes echoed through {@code port} on 127.0.0.1, named {@code name} in the tables. */
  public TcpCaller(String name, int port, int size) throws IOException {
    this.name = name;
    this.size = size;
    this.channel = SocketChannel.open(new InetSocketAddress("127.0.0.1", port));
    channel.setOption(StandardSocketOptions.TCP_NODELAY, true);
    out = ByteBuffer.allocateDirect(4 + size);
    out.putInt(size).put(Caller.bytes(size)).flip();
    in = ByteBuffer.allocateDirect(4 + size);
  }

  @Override
  public String name() {
    return name;
  }

  @Override
  public synchronized void call() throws IOException {
    out.rewind();
    while (out.hasRemaining()) {
      channel.write(out);
    }
    in.clear();
    while (in.hasRemaining()) {
      if (channel.read(in) < 0) {
        throw new EOFException(name + ": the connection closed before the whole echo came back");
      }
    }
    Caller.check(in.getInt(0) == size && in.get(4 + size - 1) == out.get(4 + size - 1), name);
  }

  @Override
  public void close() throws IOException {
    channel.close();
  }
}
