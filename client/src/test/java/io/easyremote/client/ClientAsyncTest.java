package io.easyremote.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.easyremote.protocol.ErrorCode;
import io.easyremote.protocol.RemoteException;
import io.easyremote.protocol.TypeRef;
import io.easyremote.protocol.internal.Wire;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

@ExtendWith(FakeGatewayExtension.class)
class ClientAsyncTest {
  public record Point(int x, int y) {}

  private FakeGateway gateway;
  private Client client;

  @Test
  void callAsync_value_completesTheFuture() throws Exception {
    gateway.onCall = FakeGateway.sum();
    assertThat(client.callAsync("add", Integer.class, 20, 22).get(5, TimeUnit.SECONDS)).isEqualTo(42);
    assertThat(client.callNodeAsync("n9", "add", Long.class, 1, 1).get(5, TimeUnit.SECONDS)).isEqualTo(2L);
    assertThat(gateway.lastRequest().getNodeId()).isEqualTo("n9");
    gateway.onCall = FakeGateway.replyValue(List.of(new Point(1, 1)));
    CompletableFuture<List<Point>> points = client.callAsync("points", new TypeRef<List<Point>>() {}, 1);
    assertThat(points.get(5, TimeUnit.SECONDS)).containsExactly(new Point(1, 1));
    assertThat(client.callNodeAsync("n9", "points", new TypeRef<List<Point>>() {}, 1).get(5, TimeUnit.SECONDS)).hasSize(1);
  }

  @Test
  void callAsync_failure_completesExceptionallyWithRemoteException() {
    gateway.onCall = FakeGateway.replyError(Wire.error(ErrorCode.FUNCTION_NOT_FOUND, "Unknown function 'ad'. Registered: add."));
    CompletableFuture<Integer> call = client.callAsync("ad", Integer.class, 1, 2);
    assertThatThrownBy(() -> call.get(5, TimeUnit.SECONDS))
        .isInstanceOf(ExecutionException.class)
        .cause()
        .isInstanceOfSatisfying(RemoteException.class, e -> {
          assertThat(e.code()).isEqualTo(ErrorCode.FUNCTION_NOT_FOUND);
          assertThat(e.getMessage()).isEqualTo("Unknown function 'ad'. Registered: add.");
        });
    CompletableFuture<String> invalid = client.callAsync("bad name", String.class);
    assertThat(invalid).isCompletedExceptionally();
  }

  @Test
  void cancelledFuture_cancelsTheRpcOnTheGateway() {
    gateway.onCall = FakeGateway.hang();
    CompletableFuture<String> call = client.callAsync("sleep", String.class, 5000);
    Awaitility.await().atMost(Duration.ofSeconds(5)).until(() -> gateway.requests.size() == 1);
    assertThat(call.cancel(true)).isTrue();
    Awaitility.await().atMost(Duration.ofSeconds(2)).until(() -> gateway.cancelled.get() == 1);
    assertThatThrownBy(call::join).isInstanceOf(CancellationException.class);
  }

  @Test
  void sharedClient_manyThreads_allCallsSucceed() throws Exception {
    gateway.onCall = FakeGateway.sum();
    ExecutorService pool = Executors.newFixedThreadPool(8);
    try {
      List<Future<Integer>> results = new ArrayList<>();
      for (int i = 0; i < 200; i++) {
        int n = i;
        results.add(pool.submit(() -> client.call("add", Integer.class, n, 1)));
      }
      for (int i = 0; i < results.size(); i++) {
        assertThat(results.get(i).get(10, TimeUnit.SECONDS)).isEqualTo(i + 1);
      }
    } finally {
      pool.shutdownNow();
    }
    assertThat(gateway.transports.get()).isEqualTo(1);
  }
}
