package io.easyremote.testing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.easyremote.client.Client;
import io.easyremote.gateway.Access;
import io.easyremote.gateway.Gateway;
import io.easyremote.node.ComputeNode;
import io.easyremote.protocol.ErrorCode;
import io.easyremote.protocol.Remote;
import io.easyremote.protocol.RemoteException;
import io.easyremote.protocol.wire.FunctionSpec;
import io.easyremote.protocol.wire.GatewayFrame;
import io.easyremote.protocol.wire.Hello;
import io.easyremote.protocol.wire.NodeFrame;
import io.easyremote.protocol.wire.NodeLinkGrpc;
import io.easyremote.protocol.wire.Payload;
import io.easyremote.protocol.wire.Result;
import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import io.grpc.stub.StreamObserver;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Tokens, keys, scopes, ownership of names and forged frames, on a gateway that requires credentials. */
class SecurityTest {
  static final String MATH_TOKEN = "er_math-node-token-0123456789abcdef";
  static final String OTHER_TOKEN = "er_other-node-token-0123456789abcdef";
  static final String MATH_KEY = "er_math-client-key-0123456789abcdef";
  static final String ADMIN_KEY = "er_admin-client-key-0123456789abcdef";

  private static final ByteArrayOutputStream logs = new ByteArrayOutputStream();
  private static PrintStream originalErr;

  /** Math functions, one of them public. */
  public static final class MathFunctions {
    @Remote
    public int add(int a, int b) {
      return a + b;
    }

    @Remote(isPublic = true)
    public String status() {
      return "up";
    }
  }

  /** An admin function under another token. */
  public static final class AdminFunctions {
    @Remote(name = "admin.reset")
    public String reset() {
      return "reset";
    }
  }

  @RegisterExtension
  static final TestCluster cluster = TestCluster.builder()
      .gateway(g -> g.access(Access.builder()
          .nodeToken("math", Access.hash(MATH_TOKEN), List.of("add", "status", "math.*"), List.of("math-*"))
          .nodeToken("other", OTHER_TOKEN, List.of("admin.*", "add"), List.of("*"))
          .clientKey("math-reader", Access.hash(MATH_KEY), List.of("math.*", "add"), 0, 0)
          .clientKey("admin", ADMIN_KEY, List.of("*"), 0, 0)
          .publicFunctions("status")
          .build()))
      .node("math-1", n -> n.token(MATH_TOKEN).register(new MathFunctions()))
      .node("admin-1", n -> n.token(OTHER_TOKEN).register(new AdminFunctions()))
      .build();

  @BeforeAll
  static void captureLogs() {
    originalErr = System.err;
    System.setErr(new PrintStream(new TeeStream(originalErr, logs), true, StandardCharsets.UTF_8));
  }

  @AfterAll
  static void noSecretInLogs() {
    System.setErr(originalErr);
    String captured = logs.toString(StandardCharsets.UTF_8);
    assertThat(captured).contains("REJECT node 'math-2'");
    for (String secret : List.of(MATH_TOKEN, OTHER_TOKEN, MATH_KEY, ADMIN_KEY, "er_forged-token")) {
      assertThat(captured).doesNotContain(secret);
    }
  }

  private Client clientWith(String key) {
    Client.Builder builder = Client.builder().gateway(cluster.address()).deadline(Duration.ofSeconds(5));
    if (key != null) {
      builder.apiKey(key);
    }
    return builder.build();
  }

  private ComputeNode.Builder node(String id, String token, Object functions) {
    return ComputeNode.builder().gateway(cluster.address()).id(id).token(token).register(functions)
        .connectTimeout(Duration.ofSeconds(3));
  }

  @Test
  void nodeWithoutValidToken_cannotRegister() {
    assertThatThrownBy(() -> node("math-2", null, new MathFunctions()).build().start())
        .isInstanceOfSatisfying(RemoteException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.UNAUTHENTICATED));
    assertThatThrownBy(() -> node("math-2", "er_forged-token", new MathFunctions()).build().start())
        .isInstanceOfSatisfying(RemoteException.class, e -> {
          assertThat(e.code()).isEqualTo(ErrorCode.UNAUTHENTICATED);
          assertThat(e.getMessage()).doesNotContain("er_forged-token");
        });
  }

  @Test
  void validToken_outsideItsScope_isDenied_andCannotTakeOverAnotherTokensName() {
    assertThatThrownBy(() -> node("math-2", MATH_TOKEN, new AdminFunctions()).build().start())
        .isInstanceOfSatisfying(RemoteException.class, e -> {
          assertThat(e.code()).isEqualTo(ErrorCode.PERMISSION_DENIED);
          assertThat(e.getMessage()).contains("'admin.reset'");
        });
    assertThatThrownBy(() -> node("admin-2", OTHER_TOKEN, new MathFunctions()).build().start())
        .isInstanceOfSatisfying(RemoteException.class, e -> {
          assertThat(e.code()).isEqualTo(ErrorCode.PERMISSION_DENIED);
          assertThat(e.getMessage()).contains("'status'");
        });
    try (Client admin = clientWith(ADMIN_KEY)) {
      for (int i = 0; i < 20; i++) {
        assertThat(admin.callDetailed("add", Integer.class, i, 1).nodeId()).isEqualTo("math-1");
      }
    }
  }

  @Test
  void callerWithoutKey_reachesOnlyPublicFunctions_andScopedKeysStayInScope() {
    try (Client anonymous = clientWith(null); Client math = clientWith(MATH_KEY); Client forged = clientWith("er_nope")) {
      assertThat(anonymous.call("status", String.class)).isEqualTo("up");
      assertThatThrownBy(() -> anonymous.call("add", Integer.class, 1, 2))
          .isInstanceOfSatisfying(RemoteException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.UNAUTHENTICATED));
      assertThat(math.call("add", Integer.class, 1, 2)).isEqualTo(3);
      assertThatThrownBy(() -> math.call("admin.reset", String.class))
          .isInstanceOfSatisfying(RemoteException.class, e -> {
            assertThat(e.code()).isEqualTo(ErrorCode.PERMISSION_DENIED);
            assertThat(e.getMessage()).contains("'admin.reset'").contains("math-reader");
          });
      assertThatThrownBy(() -> forged.call("status", String.class))
          .isInstanceOfSatisfying(RemoteException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.UNAUTHENTICATED));
    }
  }

  @Test
  void forgedResults_forCallsANodeWasNotSent_areIgnoredAndCounted() throws Exception {
    ManagedChannel channel = ManagedChannelBuilder.forTarget(cluster.address()).usePlaintext().build();
    LinkedBlockingQueue<GatewayFrame> received = new LinkedBlockingQueue<>();
    StreamObserver<NodeFrame> rogue = NodeLinkGrpc.newStub(channel).connect(new StreamObserver<>() {
      @Override
      public void onNext(GatewayFrame frame) {
        received.add(frame);
      }

      @Override
      public void onError(Throwable t) {}

      @Override
      public void onCompleted() {}
    });
    try {
      rogue.onNext(NodeFrame.newBuilder().setHello(Hello.newBuilder().setNodeId("math-rogue").setToken(MATH_TOKEN).setMaxConcurrency(1)
          .addFunctions(FunctionSpec.newBuilder().setName("math.pow"))).build());
      assertThat(received.poll(5, TimeUnit.SECONDS).hasWelcome()).isTrue();
      long ignoredBefore = cluster.gateway().ignoredFrames();
      try (Client admin = clientWith(ADMIN_KEY)) {
        CompletableFuture<Integer> real = admin.callNodeAsync("math-1", "add", Integer.class, 20, 22);
        for (long id = 1; id <= 200; id++) {
          rogue.onNext(NodeFrame.newBuilder().setResult(Result.newBuilder().setCallId(id)
              .setPayload(Payload.newBuilder().setData(com.google.protobuf.ByteString.copyFromUtf8("666")))).build());
        }
        assertThat(real.get(5, TimeUnit.SECONDS)).isEqualTo(42);
      }
      Awaitility.await().atMost(Duration.ofSeconds(5)).until(() -> cluster.gateway().ignoredFrames() - ignoredBefore == 200);
    } finally {
      rogue.onCompleted();
      channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    }
  }

  @Test
  void gatewayBeyondLoopback_withoutCredentials_refusesToStart() {
    assertThatThrownBy(() -> Gateway.builder().host("0.0.0.0").port(0).build())
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("--insecure")
        .hasMessageContaining("keygen");
  }

  /** Copies everything written to two streams. */
  private static final class TeeStream extends java.io.OutputStream {
    private final java.io.OutputStream a;
    private final java.io.OutputStream b;

    TeeStream(java.io.OutputStream a, java.io.OutputStream b) {
      this.a = a;
      this.b = b;
    }

    @Override
    public synchronized void write(int c) throws java.io.IOException {
      a.write(c);
      b.write(c);
    }

    @Override
    public synchronized void write(byte[] buf, int off, int len) throws java.io.IOException {
      a.write(buf, off, len);
      b.write(buf, off, len);
    }
  }
}
