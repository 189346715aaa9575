package io.easyremote.gateway;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.net.ConnectException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketException;
import java.time.Duration;
import java.util.HashSet;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * Closing a gateway with nothing in flight returns at once: no event loop of the server waits for
 * Netty's 2 s quiet period (Armeria's acceptor loop did, on every stop).
 */
class GatewayStopTest {
  /** Far above a quiet close (tens of ms) on a loaded 2-core machine, well below the 2 s quiet period. */
  private static final Duration QUICK = Duration.ofSeconds(1);

  @Test
  void close_idleGateway_returnsWithinASecondAndReleasesThePort() {
    Set<Thread> before = acceptorThreads();
    Gateway gateway = Gateway.builder().host("127.0.0.1").port(0).warmup(Duration.ZERO).build().start();
    int port = gateway.port();
    Set<Thread> ours = acceptorThreads();
    ours.removeAll(before);
    assertThat(ours).as("the acceptor loop of this gateway").isNotEmpty();

    Duration took = timeClose(gateway);

    assertThat(took).as("close of an idle gateway").isLessThan(QUICK);
    assertThatThrownBy(() -> connect(port)).isInstanceOf(ConnectException.class);
    await().atMost(Duration.ofSeconds(5)).until(() -> ours.stream().noneMatch(Thread::isAlive));
  }

  @Test
  void close_withAnIdleConnectionOpen_returnsWithinASecondAndClosesTheConnection() throws IOException {
    Gateway gateway = Gateway.builder().host("127.0.0.1").port(0).warmup(Duration.ZERO).build().start();
    try (Socket idle = connect(gateway.port())) {
      idle.setSoTimeout(5000);

      Duration took = timeClose(gateway);

      assertThat(took).as("close of a gateway with an idle connection").isLessThan(QUICK);
      assertThat(closedByPeer(idle)).as("the server closed the connection").isTrue();
    }
  }

  @Test
  void start_onAPortInUse_failsAndLeavesNoAcceptorThreadBehind() throws IOException {
    Set<Thread> before = acceptorThreads();
    try (ServerSocket taken = new ServerSocket(0, 50, InetAddress.getByName("127.0.0.1"))) {
      Gateway gateway = Gateway.builder().host("127.0.0.1").port(taken.getLocalPort()).warmup(Duration.ZERO).build();

      assertThatThrownBy(gateway::start).isInstanceOf(IllegalStateException.class).hasMessageContaining("Cannot listen on");
    }
    // The acceptor thread is not a daemon: one left behind would keep a failed launcher's JVM alive.
    await().atMost(Duration.ofSeconds(5)).until(() -> acceptorThreads().stream().filter(t -> !before.contains(t)).noneMatch(Thread::isAlive));
  }

  @Test
  void close_twice_secondReturnsAtOnce() {
    Gateway gateway = Gateway.builder().host("127.0.0.1").port(0).warmup(Duration.ZERO).build().start();
    timeClose(gateway);

    assertThat(timeClose(gateway)).isLessThan(QUICK);
  }

  private static Duration timeClose(Gateway gateway) {
    long start = System.nanoTime();
    gateway.close();
    return Duration.ofNanos(System.nanoTime() - start);
  }

  /** Whether the peer closed the socket (an end of stream or a reset); a read timeout, meaning still open, throws. */
  private static boolean closedByPeer(Socket socket) throws IOException {
    try {
      return socket.getInputStream().read() == -1;
    } catch (SocketException reset) {
      return true;
    }
  }

  private static Socket connect(int port) throws IOException {
    Socket socket = new Socket();
    try {
      socket.connect(new InetSocketAddress("127.0.0.1", port), 2000);
      return socket;
    } catch (IOException e) {
      socket.close();
      throw e;
    }
  }

  private static Set<Thread> acceptorThreads() {
    return Thread.getAllStackTraces().keySet().stream().filter(t -> t.getName().startsWith("armeria-boss-"))
        .collect(Collectors.toCollection(HashSet::new));
  }
}
