package io.easyremote.testing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.easyremote.gateway.Access;
import io.easyremote.node.ComputeNode;
import io.easyremote.protocol.ErrorCode;
import io.easyremote.protocol.Remote;
import io.easyremote.protocol.RemoteException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Issue 13, item 1: a squatter holding any '*'-scoped node token (what {@code keygen --node}
 * gives by default) cannot take over another owner's function names or node id while that owner's
 * node is away; the owner comes back to its names, and an admin may release them.
 */
class NameOwnershipTest {
  static final String OWNER_TOKEN = "er_owner-token-name-ownership-0123456789";
  static final String SQUATTER_TOKEN = "er_squatter-token-name-ownership-012345";
  static final String ADMIN_KEY = "er_admin-key-name-ownership-0123456789a";

  /** The owner's function. */
  public static final class Payroll {
    @Remote(name = "payroll.run")
    public String run() {
      return "paid by owner";
    }
  }

  /** The squatter's function of the same name. */
  public static final class FakePayroll {
    @Remote(name = "payroll.run")
    public String run() {
      return "paid to squatter";
    }
  }

  @RegisterExtension
  final TestCluster cluster = TestCluster.builder()
      .gateway(g -> g.access(Access.builder()
          .nodeToken("owner", OWNER_TOKEN, List.of("payroll.*"), List.of("payroll-*"))
          .nodeToken("squatter", SQUATTER_TOKEN, List.of("*"), List.of("*"))
          .adminKey("ops", ADMIN_KEY)
          .clientKey("caller", "er_caller-key-name-ownership-0123456789", List.of("*"), 0, 0)
          .build()))
      .build();

  private ComputeNode.Builder node(String id, String token, Object functions) {
    return ComputeNode.builder().gateway(cluster.address()).id(id).token(token).register(functions).connectTimeout(Duration.ofSeconds(3));
  }

  @Test
  void squatter_cannotTakeANameOrNodeIdWhileItsOwnerIsAway() throws Exception {
    try (ComputeNode owner = node("payroll-1", OWNER_TOKEN, new Payroll()).build().start()) {
      assertThat(cluster.gateway().functions()).hasSize(1);
    }
    Awaitility.await().atMost(Duration.ofSeconds(5)).until(() -> cluster.gateway().nodes().isEmpty());

    assertThatThrownBy(() -> node("payroll-1", SQUATTER_TOKEN, new FakePayroll()).build().start())
        .as("the same node id").isInstanceOfSatisfying(RemoteException.class, e -> {
          assertThat(e.code()).isEqualTo(ErrorCode.PERMISSION_DENIED);
          assertThat(e.getMessage()).contains("payroll-1").contains("held for its owner");
        });
    assertThatThrownBy(() -> node("evil-1", SQUATTER_TOKEN, new FakePayroll()).build().start())
        .as("the same function under another id").isInstanceOfSatisfying(RemoteException.class, e -> {
          assertThat(e.code()).isEqualTo(ErrorCode.PERMISSION_DENIED);
          assertThat(e.getMessage()).contains("payroll.run").contains("held for its owner");
        });
    assertThat(cluster.gateway().nodes()).isEmpty();

    try (ComputeNode back = node("payroll-1", OWNER_TOKEN, new Payroll()).build().start()) {
      assertThat(cluster.gateway().nodes()).singleElement().satisfies(n -> assertThat(n.id()).isEqualTo("payroll-1"));
    }
  }

  @Test
  void heldName_releasedByAnAdmin_mayBeTakenByAnotherToken() throws Exception {
    try (ComputeNode owner = node("payroll-2", OWNER_TOKEN, new Payroll()).build().start()) {
      assertThat(cluster.gateway().nodes()).hasSize(1);
    }
    Awaitility.await().atMost(Duration.ofSeconds(5)).until(() -> cluster.gateway().nodes().isEmpty());

    HttpClient http = Http1.CLIENT;
    HttpRequest.Builder release = HttpRequest.newBuilder(URI.create("http://" + cluster.address() + "/api/admin/release"))
        .POST(HttpRequest.BodyPublishers.ofString("{\"name\":\"payroll.run\"}")).timeout(Duration.ofSeconds(5));
    assertThat(http.send(release.build(), HttpResponse.BodyHandlers.ofString()).statusCode()).as("no key").isEqualTo(401);
    HttpResponse<String> released = http.send(release.header("Authorization", "Bearer " + ADMIN_KEY).build(),
        HttpResponse.BodyHandlers.ofString());
    assertThat(released.statusCode()).isEqualTo(200);
    assertThat(released.body()).contains("\"released\":true");

    try (ComputeNode other = node("other-1", SQUATTER_TOKEN, new FakePayroll()).build().start()) {
      assertThat(cluster.gateway().nodes()).hasSize(1);
    }
  }

  @Test
  void ownershipHold_ofZero_releasesNamesWhenTheLastNodeLeaves() throws Exception {
    try (TestCluster loose = TestCluster.builder()
        .gateway(g -> g.ownershipHold(Duration.ZERO).access(Access.builder()
            .nodeToken("owner", OWNER_TOKEN, List.of("payroll.*"), List.of("payroll-*"))
            .nodeToken("squatter", SQUATTER_TOKEN, List.of("*"), List.of("*"))
            .clientKey("caller", "er_caller-key-name-ownership-0123456789", List.of("*"), 0, 0).build()))
        .build().start()) {
      try (ComputeNode owner = ComputeNode.builder().gateway(loose.address()).id("payroll-3").token(OWNER_TOKEN)
          .register(new Payroll()).build().start()) {
        assertThat(loose.gateway().nodes()).hasSize(1);
      }
      Awaitility.await().atMost(Duration.ofSeconds(5)).until(() -> loose.gateway().nodes().isEmpty());
      try (ComputeNode other = ComputeNode.builder().gateway(loose.address()).id("payroll-3").token(SQUATTER_TOKEN)
          .register(new FakePayroll()).build().start()) {
        assertThat(loose.gateway().nodes()).hasSize(1);
      }
    }
  }
}
