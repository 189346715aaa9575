package io.easyremote.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.easyremote.protocol.ErrorCode;
import io.easyremote.protocol.FunctionInfo;
import io.easyremote.protocol.NodeInfo;
import io.easyremote.protocol.RemoteException;
import io.easyremote.protocol.wire.FunctionSpec;
import io.easyremote.protocol.wire.ListFunctionsReply;
import io.easyremote.protocol.wire.Parameter;
import io.easyremote.protocol.wire.Resources;
import io.easyremote.protocol.wire.Visibility;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

@ExtendWith(FakeGatewayExtension.class)
class ClientLifecycleTest {
  private FakeGateway gateway;
  private Client client;

  @Test
  void withDeadline_appliesToItsCallsOnly_andSharesTheChannel() {
    gateway.onCall = FakeGateway.sum();
    Client hurried = client.withDeadline(Duration.ofMillis(500));
    assertThat(hurried.deadline()).isEqualTo(Duration.ofMillis(500));
    assertThat(hurried.callerId()).isEqualTo(client.callerId());
    hurried.call("add", Integer.class, 1, 2);
    client.call("add", Integer.class, 1, 2);
    assertThat(gateway.deadlinesMillis.get(0)).isBetween(1L, 500L);
    assertThat(gateway.deadlinesMillis.get(1)).isGreaterThan(20_000L);
    assertThat(gateway.transports.get()).as("one connection for the root and its copy").isEqualTo(1);
  }

  @Test
  void closingACopy_leavesTheRootOpen() {
    gateway.onCall = FakeGateway.sum();
    Client copy = client.withDeadline(Duration.ofSeconds(1));
    copy.close();
    copy.close();
    assertThat(client.call("add", Integer.class, 1, 2)).isEqualTo(3);
    assertThat(copy.call("add", Integer.class, 2, 2)).isEqualTo(4);
  }

  @Test
  void closingTheRoot_failsInFlightAndLaterCallsWithCancelled() {
    gateway.onCall = FakeGateway.hang();
    Client copy = client.withDeadline(Duration.ofSeconds(10));
    CompletableFuture<String> inFlight = copy.callAsync("sleep", String.class, 5000);
    Awaitility.await().atMost(Duration.ofSeconds(5)).until(() -> gateway.requests.size() == 1);
    client.close();
    client.close();
    assertThatThrownBy(() -> inFlight.get(5, TimeUnit.SECONDS))
        .isInstanceOf(ExecutionException.class)
        .cause()
        .isInstanceOfSatisfying(RemoteException.class, e -> {
          assertThat(e.code()).isEqualTo(ErrorCode.CANCELLED);
          assertThat(e.getMessage()).contains("closed").contains("'sleep'");
        });
    assertThatThrownBy(() -> copy.call("add", Integer.class, 1, 2))
        .isInstanceOfSatisfying(RemoteException.class, e -> {
          assertThat(e.code()).isEqualTo(ErrorCode.CANCELLED);
          assertThat(e.reachedNode()).isFalse();
        });
    assertThatThrownBy(client::nodes)
        .isInstanceOfSatisfying(RemoteException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.CANCELLED));
    Awaitility.await().atMost(Duration.ofSeconds(2)).until(() -> gateway.cancelled.get() == 1);
    assertThat(client.toString()).contains("closed");
  }

  @Test
  void close_endsTheConnectionsEventLoopThread_soThatAProgramExitsWithoutWaitingForIt() throws InterruptedException {
    gateway.onCall = FakeGateway.sum();
    List<Thread> others = ioThreads();
    Client own = Client.builder().gateway(gateway.address()).callerId("own-loop").build();
    assertThat(own.call("add", Integer.class, 1, 2)).isEqualTo(3);
    List<Thread> mine = ioThreads().stream().filter(t -> !others.contains(t)).toList();
    assertThat(mine).as("the client's own event loop thread").hasSize(1);
    own.close();
    // Its event loop has stopped when close() returns (the thread is finishing, no longer in epoll_wait), so a JVM
    // exiting then does not wait 300 ms for it; gRPC's shared loop, used before, lived on for a second after.
    mine.get(0).join(500);
    assertThat(mine.get(0).isAlive()).isFalse();
  }

  private static List<Thread> ioThreads() {
    return Thread.getAllStackTraces().keySet().stream()
        .filter(t -> t.getName().startsWith("easyremote-client-io") && t.isAlive()).toList();
  }

  @Test
  void nodesAndNode_convertedFromWire() {
    gateway.nodes = List.of(
        io.easyremote.protocol.wire.NodeInfo.newBuilder()
            .setNodeId("node-1").setState("HEALTHY").putLabels("gpu", "rtx4090")
            .setResources(Resources.newBuilder().setCpuCores(8).setMemoryTotalBytes(1024))
            .setMaxConcurrency(4).setInFlight(1).addFunctions("add").setConnectedAtMs(1_000)
            .setCallsServed(7).setVersion("0.1.0")
            .build(),
        io.easyremote.protocol.wire.NodeInfo.newBuilder().setNodeId("node-2").setState("DRAINING").build());
    List<NodeInfo> nodes = client.nodes();
    assertThat(nodes).extracting(NodeInfo::id).containsExactly("node-1", "node-2");
    NodeInfo one = client.node("node-1");
    assertThat(one.labels()).containsEntry("gpu", "rtx4090");
    assertThat(one.resources().cpuCores()).isEqualTo(8);
    assertThat(one.maxConcurrency()).isEqualTo(4);
    assertThat(one.functions()).containsExactly("add");
    assertThat(one.connectedAt()).isEqualTo(Instant.ofEpochMilli(1_000));
    assertThat(one.callsServed()).isEqualTo(7);
    assertThat(client.node("node-2").state()).isEqualTo("DRAINING");
  }

  @Test
  void node_unknown_failsWithNoNodeAvailable() {
    assertThatThrownBy(() -> client.node("ghost"))
        .isInstanceOfSatisfying(RemoteException.class, e -> {
          assertThat(e.code()).isEqualTo(ErrorCode.NO_NODE_AVAILABLE);
          assertThat(e.getMessage()).isEqualTo("No node 'ghost' is connected.");
          assertThat(e.reachedNode()).isFalse();
        });
    assertThatThrownBy(() -> client.node("bad id"))
        .isInstanceOfSatisfying(RemoteException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.INVALID_REQUEST));
  }

  @Test
  void drain_sendsTheNodeAndGrace_andReturnsWhatStillRuns() {
    gateway.nodes = List.of(io.easyremote.protocol.wire.NodeInfo.newBuilder().setNodeId("node-1").setInFlight(3).build());

    assertThat(client.drain("node-1", Duration.ofSeconds(45))).isEqualTo(3);
    assertThat(gateway.drains).singleElement().satisfies(r -> {
      assertThat(r.getNodeId()).isEqualTo("node-1");
      assertThat(r.getGraceMs()).isEqualTo(45_000);
    });
    assertThatThrownBy(() -> client.drain("ghost", Duration.ZERO))
        .isInstanceOfSatisfying(RemoteException.class, e -> {
          assertThat(e.code()).isEqualTo(ErrorCode.NO_NODE_AVAILABLE);
          assertThat(e.getMessage()).isEqualTo("No node 'ghost' is connected.");
        });
    assertThatThrownBy(() -> client.drain("bad id", Duration.ZERO))
        .isInstanceOfSatisfying(RemoteException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.INVALID_REQUEST));
    assertThatThrownBy(() -> client.drain("node-1", Duration.ofSeconds(-1))).isInstanceOf(IllegalArgumentException.class)
        .hasMessage("grace must be >= 0: PT-1S");
    assertThat(gateway.drains).hasSize(2);
  }

  @Test
  void functions_convertedFromWire() {
    gateway.functions = ListFunctionsReply.newBuilder()
        .addFunctions(io.easyremote.protocol.wire.FunctionInfo.newBuilder()
            .setSpec(FunctionSpec.newBuilder().setName("add").setDescription("Adds").setIdempotent(true)
                .setVisibility(Visibility.PUBLIC).setResultType("int")
                .addParameters(Parameter.newBuilder().setName("a").setType("int"))
                .addParameters(Parameter.newBuilder().setName("b").setType("int")))
            .addNodeIds("node-1").setQueued(2))
        .build();
    List<FunctionInfo> functions = client.functions();
    assertThat(functions).singleElement().satisfies(f -> {
      assertThat(f.name()).isEqualTo("add");
      assertThat(f.idempotent()).isTrue();
      assertThat(f.isPublic()).isTrue();
      assertThat(f.parameters()).extracting(FunctionInfo.Parameter::name).containsExactly("a", "b");
      assertThat(f.nodeIds()).containsExactly("node-1");
      assertThat(f.queued()).isEqualTo(2);
    });
  }
}
