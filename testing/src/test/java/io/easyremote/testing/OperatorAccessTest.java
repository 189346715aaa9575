package io.easyremote.testing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.easyremote.client.Client;
import io.easyremote.gateway.Access;
import io.easyremote.protocol.ErrorCode;
import io.easyremote.protocol.FunctionInfo;
import io.easyremote.protocol.Remote;
import io.easyremote.protocol.RemoteException;
import io.easyremote.protocol.wire.DrainNodeRequest;
import io.easyremote.protocol.wire.GatewayGrpc;
import io.easyremote.protocol.wire.GetNodeRequest;
import io.easyremote.protocol.wire.ListFunctionsRequest;
import io.easyremote.protocol.wire.ListNodesRequest;
import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.MetadataUtils;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Issue 13, items 1 and 4: on a closed gateway every operation has an owner. Without a key an
 * attacker sees only public functions and can drain nothing; a call-only key lists only what it
 * may call; read and admin keys see and do more.
 */
class OperatorAccessTest {
  static final String TOKEN = "er_node-token-operator-access-0123456789";
  static final String CALL_KEY = "er_call-key-operator-access-0123456789";
  static final String READ_KEY = "er_read-key-operator-access-0123456789";
  static final String ADMIN_KEY = "er_admin-key-operator-access-012345678";

  /** A private and a public function. */
  public static final class Functions {
    @Remote
    public int secret(int x) {
      return x;
    }

    @Remote(isPublic = true)
    public String ping() {
      return "pong";
    }
  }

  @RegisterExtension
  final TestCluster cluster = TestCluster.builder()
      .gateway(g -> g.access(Access.builder()
          .nodeToken("nodes", TOKEN, List.of("*"), List.of("*"))
          .clientKey("caller", CALL_KEY, List.of("secret"), 0, 0)
          .clientKey("reader", READ_KEY, List.of(), 0, 0, Access.Scope.READ)
          .adminKey("ops", ADMIN_KEY)
          .publicFunctions("ping")
          .build()))
      .node("victim", n -> n.token(TOKEN).register(new Functions()))
      .build();

  private ManagedChannel channel;

  @AfterEach
  void closeChannel() throws InterruptedException {
    if (channel != null) {
      channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    }
  }

  private GatewayGrpc.GatewayBlockingStub stub(String key) {
    if (channel == null) {
      channel = ManagedChannelBuilder.forTarget(cluster.address()).usePlaintext().build();
    }
    GatewayGrpc.GatewayBlockingStub stub = GatewayGrpc.newBlockingStub(channel).withDeadlineAfter(5, TimeUnit.SECONDS);
    if (key == null) {
      return stub;
    }
    Metadata headers = new Metadata();
    headers.put(Metadata.Key.of("authorization", Metadata.ASCII_STRING_MARSHALLER), "Bearer " + key);
    return stub.withInterceptors(MetadataUtils.newAttachHeadersInterceptor(headers));
  }

  private static Status.Code codeOf(Runnable rpc) {
    try {
      rpc.run();
      return Status.Code.OK;
    } catch (StatusRuntimeException e) {
      return e.getStatus().getCode();
    }
  }

  private HttpResponse<String> get(String path, String key) throws Exception {
    HttpRequest.Builder request = HttpRequest.newBuilder(URI.create("http://" + cluster.address() + path)).timeout(Duration.ofSeconds(10));
    if (key != null) {
      request.header("Authorization", "Bearer " + key);
    }
    return Http1.CLIENT.send(request.GET().build(), HttpResponse.BodyHandlers.ofString());
  }

  @Test
  void drain_withoutAKeyOrWithACallKey_isRefused_andTheNodeKeepsServing() {
    assertThat(codeOf(() -> stub(null).drainNode(DrainNodeRequest.newBuilder().setNodeId("victim").build())))
        .isEqualTo(Status.Code.UNAUTHENTICATED);
    assertThat(codeOf(() -> stub(CALL_KEY).drainNode(DrainNodeRequest.newBuilder().setNodeId("victim").build())))
        .isEqualTo(Status.Code.PERMISSION_DENIED);
    assertThat(codeOf(() -> stub(READ_KEY).drainNode(DrainNodeRequest.newBuilder().setNodeId("victim").build())))
        .isEqualTo(Status.Code.PERMISSION_DENIED);
    assertThat(cluster.gateway().nodes()).singleElement().satisfies(n -> assertThat(n.state()).isNotEqualTo("DRAINING"));

    assertThat(stub(ADMIN_KEY).drainNode(DrainNodeRequest.newBuilder().setNodeId("victim").build()).getInFlight()).isZero();
  }

  @Test
  void anonymousCaller_seesOnlyPublicFunctions_overGrpc() {
    assertThat(codeOf(() -> stub(null).listNodes(ListNodesRequest.getDefaultInstance()))).isEqualTo(Status.Code.UNAUTHENTICATED);
    assertThat(codeOf(() -> stub(null).getNode(GetNodeRequest.newBuilder().setNodeId("victim").build())))
        .isEqualTo(Status.Code.UNAUTHENTICATED);
    assertThat(stub(null).listFunctions(ListFunctionsRequest.getDefaultInstance()).getFunctionsList())
        .extracting(f -> f.getSpec().getName()).containsExactly("ping");
    assertThat(stub(null).listFunctions(ListFunctionsRequest.getDefaultInstance()).getFunctions(0).getNodeIdsList())
        .as("node ids only for callers who may list nodes").isEmpty();

    assertThat(codeOf(() -> stub(CALL_KEY).listNodes(ListNodesRequest.getDefaultInstance()))).isEqualTo(Status.Code.PERMISSION_DENIED);
    assertThat(stub(CALL_KEY).listFunctions(ListFunctionsRequest.getDefaultInstance()).getFunctionsList())
        .extracting(f -> f.getSpec().getName()).containsExactly("ping", "secret");
    assertThat(stub(READ_KEY).listNodes(ListNodesRequest.getDefaultInstance()).getNodesList()).hasSize(1);
  }

  @Test
  void anonymousCaller_seesOnlyPublicFunctions_overHttp() throws Exception {
    for (String path : List.of("/api/nodes", "/api/nodes/victim", "/api/dashboard", "/api/calls/recent", "/metrics")) {
      HttpResponse<String> response = get(path, null);
      assertThat(response.statusCode()).as(path).isEqualTo(401);
      assertThat(response.body()).as(path).contains("UNAUTHENTICATED").doesNotContain("victim").doesNotContain("secret");
    }
    assertThat(get("/api/functions", null).body()).contains("ping").doesNotContain("secret").doesNotContain("victim");
    assertThat(get("/openapi.json", null).body()).contains("/api/ping").doesNotContain("/api/secret");
    assertThat(get("/healthz", null).body()).isEqualTo("{\"status\":\"ok\"}");

    assertThat(get("/api/nodes", CALL_KEY).statusCode()).isEqualTo(403);
    assertThat(get("/api/dashboard", READ_KEY).statusCode()).isEqualTo(403);
    assertThat(get("/api/nodes", READ_KEY).body()).contains("victim");
    assertThat(get("/openapi.json", READ_KEY).body()).contains("/api/secret");
    assertThat(get("/api/dashboard", ADMIN_KEY).statusCode()).isEqualTo(200);
    assertThat(get("/metrics", ADMIN_KEY).statusCode()).isEqualTo(200);
    assertThat(get("/api/nodes", "er_not-a-key").statusCode()).isEqualTo(401);
  }

  @Test
  void errors_neverTellAnAnonymousCallerWhatExists() {
    try (Client anonymous = Client.builder().gateway(cluster.address()).deadline(Duration.ofSeconds(5)).build();
         Client caller = Client.builder().gateway(cluster.address()).apiKey(CALL_KEY).deadline(Duration.ofSeconds(5)).build()) {
      RemoteException existing = catchRemote(() -> anonymous.call("secret", Integer.class, 1));
      RemoteException missing = catchRemote(() -> anonymous.call("no_such_function", Integer.class, 1));
      assertThat(existing.code()).isEqualTo(ErrorCode.UNAUTHENTICATED);
      assertThat(missing.code()).as("same answer whether it exists or not").isEqualTo(ErrorCode.UNAUTHENTICATED);

      RemoteException unknown = catchRemote(() -> caller.call("secretz", Integer.class, 1));
      assertThat(unknown.code()).isEqualTo(ErrorCode.PERMISSION_DENIED);
      assertThat(anonymous.call("ping", String.class)).isEqualTo("pong");
      assertThat(caller.functions()).extracting(FunctionInfo::name).containsExactly("ping", "secret");
    }
  }

  @Test
  void unknownFunction_listsOnlyWhatTheCallerMaySee() {
    try (TestCluster open = TestCluster.builder()
        .gateway(g -> g.access(Access.builder().nodeToken("nodes", TOKEN, List.of("*"), List.of("*"))
            .clientKey("narrow", CALL_KEY, List.of("se*"), 0, 0).publicFunctions("ping").build()))
        .node("victim", n -> n.token(TOKEN).register(new Functions()))
        .build().start();
         Client narrow = Client.builder().gateway(open.address()).apiKey(CALL_KEY).deadline(Duration.ofSeconds(5)).build()) {
      RemoteException unknown = catchRemote(() -> narrow.call("sekret", Integer.class, 1));
      assertThat(unknown.code()).isEqualTo(ErrorCode.FUNCTION_NOT_FOUND);
      assertThat(unknown.getMessage()).contains("secret").contains("ping");
    }
  }

  @Test
  void publicStatus_letsAnyoneReadButNeverDrain() throws Exception {
    try (TestCluster status = TestCluster.builder()
        .gateway(g -> g.access(Access.builder().nodeToken("nodes", TOKEN, List.of("*"), List.of("*"))
            .clientKey("caller", CALL_KEY, List.of("secret"), 0, 0).publicStatus(true).build()))
        .node("shown", n -> n.token(TOKEN).register(new Functions()))
        .build().start()) {
      ManagedChannel c = ManagedChannelBuilder.forTarget(status.address()).usePlaintext().build();
      try {
        GatewayGrpc.GatewayBlockingStub anonymous = GatewayGrpc.newBlockingStub(c).withDeadlineAfter(5, TimeUnit.SECONDS);
        assertThat(anonymous.listNodes(ListNodesRequest.getDefaultInstance()).getNodesList()).hasSize(1);
        assertThat(codeOf(() -> anonymous.drainNode(DrainNodeRequest.newBuilder().setNodeId("shown").build())))
            .isEqualTo(Status.Code.UNAUTHENTICATED);
      } finally {
        c.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
      }
    }
  }

  private static RemoteException catchRemote(Runnable call) {
    try {
      call.run();
    } catch (RemoteException e) {
      return e;
    }
    throw new AssertionError("expected a RemoteException");
  }
}
