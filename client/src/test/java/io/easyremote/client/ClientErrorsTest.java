package io.easyremote.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.easyremote.protocol.ErrorCode;
import io.easyremote.protocol.RemoteException;
import io.easyremote.protocol.RemoteFunctionException;
import io.easyremote.protocol.internal.Wire;
import io.easyremote.protocol.wire.CallReply;
import io.easyremote.protocol.wire.Error;
import io.grpc.Status;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.Arrays;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

@ExtendWith(FakeGatewayExtension.class)
class ClientErrorsTest {
  /** Serialising it throws, so it cannot be encoded as an argument. */
  public static final class Exploding {
    public int getValue() {
      throw new IllegalStateException("boom");
    }
  }

  private FakeGateway gateway;
  private Client client;

  @Test
  void replyError_becomesRemoteExceptionWithEveryDetail() {
    gateway.onCall = FakeGateway.replyError(Error.newBuilder()
        .setCode(Wire.toWire(ErrorCode.OVERLOADED))
        .setMessage("Queue of 'add' is full (3 waiting).")
        .setRetryAfterMs(250)
        .build());
    assertThatThrownBy(() -> client.call("add", Integer.class, 1, 2))
        .isExactlyInstanceOf(RemoteException.class)
        .isInstanceOfSatisfying(RemoteException.class, e -> {
          assertThat(e.code()).isEqualTo(ErrorCode.OVERLOADED);
          assertThat(e.getMessage()).isEqualTo("Queue of 'add' is full (3 waiting).");
          assertThat(e.retryAfterMillis()).isEqualTo(250);
          assertThat(e.reachedNode()).isFalse();
          assertThat(e.nodeId()).isNull();
        });

    gateway.onCall = FakeGateway.replyError(Error.newBuilder()
        .setCode(Wire.toWire(ErrorCode.NODE_LOST))
        .setMessage("Node 'n2' was lost while running 'add'.")
        .setReachedNode(true)
        .setNodeId("n2")
        .build());
    assertThatThrownBy(() -> client.call("add", Integer.class, 1, 2))
        .isInstanceOfSatisfying(RemoteException.class, e -> {
          assertThat(e.code()).isEqualTo(ErrorCode.NODE_LOST);
          assertThat(e.reachedNode()).isTrue();
          assertThat(e.nodeId()).isEqualTo("n2");
        });
  }

  @Test
  void functionFailed_becomesRemoteFunctionExceptionWithTypeAndStack() {
    gateway.onCall = FakeGateway.reply(request -> CallReply.newBuilder()
        .setError(Error.newBuilder()
            .setCode(Wire.toWire(ErrorCode.FUNCTION_FAILED))
            .setMessage("disk on fire")
            .setRemoteType("java.lang.IllegalStateException")
            .setRemoteStack("java.lang.IllegalStateException: disk on fire\n\tat Functions.fail(Functions.java:12)")
            .setReachedNode(true))
        .setNodeId("node-3")
        .build());
    assertThatThrownBy(() -> client.call("fail", String.class, "disk on fire"))
        .isInstanceOfSatisfying(RemoteFunctionException.class, e -> {
          assertThat(e.code()).isEqualTo(ErrorCode.FUNCTION_FAILED);
          assertThat(e.getMessage()).isEqualTo("disk on fire");
          assertThat(e.remoteType()).isEqualTo("java.lang.IllegalStateException");
          assertThat(e.remoteStack()).contains("Functions.fail(Functions.java:12)");
          assertThat(e.nodeId()).as("taken from the reply when the error has none").isEqualTo("node-3");
          assertThat(e.reachedNode()).isTrue();
        });
  }

  @Test
  void syncFailure_carriesTheCallersStack() {
    gateway.onCall = FakeGateway.replyError(Wire.error(ErrorCode.FUNCTION_NOT_FOUND, "Unknown function 'ad'."));
    assertThatThrownBy(() -> client.call("ad", Integer.class, 1, 2))
        .isInstanceOfSatisfying(RemoteException.class, e ->
            assertThat(Arrays.stream(e.getStackTrace()).map(StackTraceElement::getClassName))
                .contains(ClientErrorsTest.class.getName()));
  }

  @Test
  void deadline_passes_failsWithDeadlineExceededOnTime() {
    gateway.onCall = FakeGateway.hang();
    Client hurried = client.withDeadline(Duration.ofMillis(300));
    long start = System.nanoTime();
    assertThatThrownBy(() -> hurried.call("sleep", String.class, 5000))
        .isInstanceOfSatisfying(RemoteException.class, e -> {
          assertThat(e.code()).isEqualTo(ErrorCode.DEADLINE_EXCEEDED);
          assertThat(e.getMessage()).contains("'sleep'").contains("300 ms");
          assertThat(e.reachedNode()).isTrue();
        });
    long elapsedMillis = (System.nanoTime() - start) / 1_000_000;
    assertThat(elapsedMillis).isBetween(250L, 300L + 700L);
    Awaitility.await().atMost(Duration.ofSeconds(2)).until(() -> gateway.cancelled.get() == 1);
  }

  @Test
  void unreachableGateway_failsWithUnavailableNamingTheAddress() throws Exception {
    int port;
    try (ServerSocket socket = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
      port = socket.getLocalPort();
    }
    try (Client nowhere = Client.builder().gateway("127.0.0.1:" + port).deadline(Duration.ofSeconds(5)).build()) {
      assertThatThrownBy(() -> nowhere.call("add", Integer.class, 1, 2))
          .isInstanceOfSatisfying(RemoteException.class, e -> {
            assertThat(e.code()).isEqualTo(ErrorCode.UNAVAILABLE);
            assertThat(e.getMessage()).contains("Gateway 127.0.0.1:" + port + " is unavailable");
            assertThat(e.reachedNode()).isFalse();
          });
      assertThatThrownBy(nowhere::nodes)
          .isInstanceOfSatisfying(RemoteException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.UNAVAILABLE));
    }
  }

  @ParameterizedTest
  @CsvSource({
      "UNAUTHENTICATED, UNAUTHENTICATED, false",
      "PERMISSION_DENIED, PERMISSION_DENIED, false",
      "RESOURCE_EXHAUSTED, PAYLOAD_TOO_LARGE, true",
      "CANCELLED, CANCELLED, true",
      "UNAVAILABLE, UNAVAILABLE, true",
      "DEADLINE_EXCEEDED, DEADLINE_EXCEEDED, true",
      "UNIMPLEMENTED, INTERNAL, false",
      "INTERNAL, INTERNAL, true",
      "NOT_FOUND, INTERNAL, true",
  })
  void grpcStatus_mapsToErrorCode(Status.Code status, ErrorCode expected, boolean reachedNode) {
    gateway.onCall = FakeGateway.fail(Status.fromCode(status).withDescription("told by the fake"));
    assertThatThrownBy(() -> client.call("add", Integer.class, 1, 2))
        .isInstanceOfSatisfying(RemoteException.class, e -> {
          assertThat(e.code()).isEqualTo(expected);
          assertThat(e.reachedNode()).isEqualTo(reachedNode);
          if (expected != ErrorCode.DEADLINE_EXCEEDED) {
            assertThat(e.getMessage()).contains("told by the fake");
          }
        });
  }

  @Test
  void oversizedArguments_failFastWithPayloadTooLarge() {
    try (Client small = Client.builder().gateway(gateway.address()).maxPayloadBytes(100).build()) {
      assertThatThrownBy(() -> small.call("echo", String.class, "x".repeat(200)))
          .isInstanceOfSatisfying(RemoteException.class, e -> {
            assertThat(e.code()).isEqualTo(ErrorCode.PAYLOAD_TOO_LARGE);
            assertThat(e.getMessage()).contains("'echo'").contains("204 bytes").contains("100 bytes");
            assertThat(e.reachedNode()).isFalse();
          });
      assertThatThrownBy(() -> small.call("blob", byte[].class, (Object) new byte[101]))
          .isInstanceOfSatisfying(RemoteException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.PAYLOAD_TOO_LARGE));
    }
    assertThat(gateway.requests).isEmpty();
  }

  @Test
  void invalidNames_failWithInvalidRequestWithoutSending() {
    assertThatThrownBy(() -> client.call("no such/name", String.class))
        .isInstanceOfSatisfying(RemoteException.class, e -> {
          assertThat(e.code()).isEqualTo(ErrorCode.INVALID_REQUEST);
          assertThat(e.getMessage()).contains("'no such/name'");
          assertThat(e.reachedNode()).isFalse();
        });
    assertThatThrownBy(() -> client.callNode("bad node", "add", Integer.class))
        .isInstanceOfSatisfying(RemoteException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.INVALID_REQUEST));
    assertThat(gateway.requests).isEmpty();
  }

  @Test
  void unencodableArgument_failsWithInvalidArgumentsNamingIt() {
    assertThatThrownBy(() -> client.call("take", String.class, "fine", new Exploding()))
        .isInstanceOfSatisfying(RemoteException.class, e -> {
          assertThat(e.code()).isEqualTo(ErrorCode.INVALID_ARGUMENTS);
          assertThat(e.getMessage()).startsWith("Argument 1 of 'take' (" + Exploding.class.getName() + ")");
          assertThat(e.reachedNode()).isFalse();
        });
    assertThat(gateway.requests).isEmpty();
  }

  @Test
  void interruptDuringSyncCall_cancelsTheCallAndKeepsTheFlag() {
    gateway.onCall = FakeGateway.hang();
    Thread caller = Thread.currentThread();
    Thread interrupter = new Thread(() -> {
      Awaitility.await().atMost(Duration.ofSeconds(5)).until(() -> gateway.requests.size() == 1);
      caller.interrupt();
    });
    interrupter.start();
    try {
      assertThatThrownBy(() -> client.call("sleep", String.class, 5000))
          .isInstanceOfSatisfying(RemoteException.class, e -> {
            assertThat(e.code()).isEqualTo(ErrorCode.CANCELLED);
            assertThat(e.getMessage()).contains("Interrupted").contains("'sleep'");
          });
      assertThat(Thread.currentThread().isInterrupted()).isTrue();
    } finally {
      Thread.interrupted();
    }
    Awaitility.await().atMost(Duration.ofSeconds(2)).until(() -> gateway.cancelled.get() == 1);
  }

  @Test
  void alreadyInterrupted_failsWithoutSending() {
    Thread.currentThread().interrupt();
    try {
      assertThatThrownBy(() -> client.call("add", Integer.class, 1, 2))
          .isInstanceOfSatisfying(RemoteException.class, e -> {
            assertThat(e.code()).isEqualTo(ErrorCode.CANCELLED);
            assertThat(e.reachedNode()).isFalse();
          });
      assertThat(Thread.currentThread().isInterrupted()).isTrue();
    } finally {
      Thread.interrupted();
    }
    assertThat(gateway.requests).isEmpty();
  }
}
