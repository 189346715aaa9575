package io.easyremote.testing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.easyremote.client.CallOptions;
import io.easyremote.client.FanOut;
import io.easyremote.client.Gathered;
import io.easyremote.client.MapRun;
import io.easyremote.protocol.ErrorCode;
import io.easyremote.protocol.RemoteException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Flow;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.IntStream;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** client.map and client.broadcast against a real gateway and real nodes. */
class FanOutTest {
  private final Map<Integer, Integer> runs = new ConcurrentHashMap<>();

  @RegisterExtension
  final TestCluster cluster = TestCluster.builder()
      .clientDeadline(Duration.ofSeconds(20))
      .leakTimeout(Duration.ofSeconds(10))
      .build();

  private static List<List<Integer>> inputs(int count, int millis) {
    return IntStream.range(0, count).mapToObj(i -> List.of(i, millis)).toList();
  }

  private void startNodes(String... ids) {
    for (String id : ids) {
      cluster.startNode(id, n -> n.register(new FanOutFunctions(id, 0, runs)).maxConcurrency(8));
    }
  }

  @Test
  @org.junit.jupiter.api.Tag("soak") // a scale run: left out of mvn -B verify, run by .ci/run
  void map_tenThousandItemsOverThreeNodes_allCompleteInInputOrder() {
    startNodes("a", "b", "c");
    List<MapRun.Progress> heard = new CopyOnWriteArrayList<>();
    List<Long> indices = new ArrayList<>();
    try (MapRun<Long> run = cluster.client().map("square", Long.class, inputs(10_000, 0),
        FanOut.builder().onProgress(heard::add).progressEvery(Duration.ofMillis(50)).build())) {
      for (MapRun.Item<Long> item : run) {
        assertThat(item.ok()).as("item %d: %s", item.index(), item.error()).isTrue();
        assertThat(item.value()).isEqualTo(item.index() * item.index());
        assertThat(item.args()).isEqualTo(List.of((int) item.index(), 0));
        indices.add(item.index());
      }
      assertThat(indices).containsExactlyElementsOf(IntStream.range(0, 10_000).mapToObj(i -> (long) i).toList());
      MapRun.Progress done = run.progress();
      assertThat(done.state()).isEqualTo(MapRun.State.DONE);
      assertThat(done.total()).isEqualTo(10_000);
      assertThat(done.succeeded()).isEqualTo(10_000);
      assertThat(done.failed()).isZero();
      assertThat(done.inFlight()).isZero();
      assertThat(done.perNode().keySet()).containsExactlyInAnyOrder("a", "b", "c");
      assertThat(done.perNode().values().stream().mapToLong(Long::longValue).sum()).isEqualTo(10_000);
      assertThat(run.errors()).isEmpty();
    }
    // the listener heard the map while it ran and once at its end
    assertThat(heard).isNotEmpty();
    assertThat(heard.get(heard.size() - 1).state()).isEqualTo(MapRun.State.DONE);
    assertThat(heard.get(heard.size() - 1).eta()).isEqualTo(Duration.ZERO);
    assertThat(heard).anySatisfy(p -> {
      assertThat(p.state()).isEqualTo(MapRun.State.RUNNING);
      assertThat(p.total()).isEqualTo(10_000);
      assertThat(p.itemsPerSecond()).isPositive();
      assertThat(p.eta()).isNotNull();
    });
  }

  @Test
  void map_nodeKilledMidMap_idempotentItemsEachDoneExactlyOnceInTheResults() {
    startNodes("a", "b");
    TcpProxy doomed = cluster.startNodeBehindProxy("doomed",
        n -> n.register(new FanOutFunctions("doomed", 0, runs)).maxConcurrency(8));
    List<Long> indices = new ArrayList<>();
    long servedByDoomed;
    try (MapRun<Long> run = cluster.client().map("square", Long.class, inputs(10_000, 1))) {
      for (MapRun.Item<Long> item : run) {
        assertThat(item.ok()).as("item %d: %s", item.index(), item.error()).isTrue();
        assertThat(item.value()).isEqualTo(item.index() * item.index());
        indices.add(item.index());
        if (item.index() == 3_000) {
          assertThat(run.progress().perNode()).containsKey("doomed");
          doomed.close(); // the connection is reset and no reconnect is possible: a crash, as the gateway sees it
        }
      }
      servedByDoomed = run.progress().perNode().getOrDefault("doomed", 0L);
      assertThat(run.progress().failed()).isZero();
    }
    assertThat(indices).containsExactlyElementsOf(IntStream.range(0, 10_000).mapToObj(i -> (long) i).toList());
    assertThat(servedByDoomed).isPositive();
    assertThat(cluster.gateway().nodes()).extracting(n -> n.id()).containsExactlyInAnyOrder("a", "b");
    assertThat(runs.keySet()).hasSize(10_000); // every input ran; some twice, on the lost node and again elsewhere
  }

  @Test
  void map_functionFailingOnSomeInputs_reportsThoseInputsAndGoesOn() {
    startNodes("a", "b", "c");
    List<List<Integer>> inputs = IntStream.range(0, 100).mapToObj(List::of).toList();
    MapRun<Integer> run = cluster.client().map("picky", Integer.class, inputs);
    List<MapRun.Item<Integer>> items = run.stream().toList();
    assertThat(items).hasSize(100);
    List<Long> failing = IntStream.range(0, 100).filter(i -> i % 7 == 3).mapToObj(i -> (long) i).toList();
    assertThat(run.errors()).extracting(MapRun.Item::index).containsExactlyElementsOf(failing);
    assertThat(run.errors()).allSatisfy(item -> {
      assertThat(item.args()).isEqualTo(List.of((int) item.index()));
      assertThat(item.error().code()).isEqualTo(ErrorCode.FUNCTION_FAILED);
      assertThat(item.error().getMessage()).isEqualTo("bad input " + item.index());
    });
    assertThat(items).filteredOn(MapRun.Item::ok).hasSize(100 - failing.size());
    assertThat(run.progress().failed()).isEqualTo(failing.size());

    assertThatThrownBy(() -> cluster.client().map("picky", Integer.class, inputs).values())
        .isInstanceOfSatisfying(RemoteException.class, e -> {
          assertThat(e.code()).isEqualTo(ErrorCode.FUNCTION_FAILED);
          assertThat(e.getMessage()).startsWith("14 of 100 items of the map of 'picky' failed: item 3 [3]: FUNCTION_FAILED: bad input 3; "
              + "item 10 [10]: FUNCTION_FAILED: bad input 10;").contains("; and 4 more.");
        });
  }

  @Test
  void map_failFast_stopsAtTheFirstFailureAndNamesIt() {
    startNodes("a");
    List<List<Integer>> inputs = IntStream.range(0, 1000).mapToObj(List::of).toList();
    MapRun<Integer> run = cluster.client().map("picky", Integer.class, inputs, FanOut.builder().window(1).failFast(true).build());
    List<Long> read = new ArrayList<>();
    assertThatThrownBy(() -> run.forEach(item -> read.add(item.index()))).isInstanceOfSatisfying(RemoteException.class, e -> {
      assertThat(e.code()).isEqualTo(ErrorCode.FUNCTION_FAILED);
      assertThat(e.getMessage()).isEqualTo("The map of 'picky' stopped at item 3 [3]: FUNCTION_FAILED: bad input 3 (fail-fast)");
    });
    assertThat(read).isSubsetOf(0L, 1L, 2L);
    assertThat(run.progress().state()).isEqualTo(MapRun.State.FAILED);
    assertThat(run.progress().completed()).isLessThan(10);
  }

  @Test
  void map_unknownFunction_stopsAtOnceInsteadOfFailingEveryItem() {
    startNodes("a");
    MapRun<Integer> run = cluster.client().map("nope", Integer.class, IntStream.range(0, 1000).mapToObj(List::of).toList());
    assertThatThrownBy(run::values).isInstanceOfSatisfying(RemoteException.class, e -> {
      assertThat(e.code()).isEqualTo(ErrorCode.FUNCTION_NOT_FOUND);
      assertThat(e.getMessage()).startsWith("The map of 'nope' stopped at item ").contains("(it would fail every item)");
    });
    assertThat(run.progress().failed()).isLessThan(1000);
  }

  @Test
  void map_cancelled_stopsSendingAndCancelsItsCallsOnTheNodes() {
    startNodes("a", "b");
    MapRun<Long> run = cluster.client().map("square", Long.class, inputs(1000, 10_000));
    // Running on the nodes, not only sent: a call the gateway counts in flight may not have started yet
    // (one CI run cancelled two such calls before their nodes ran them).
    Awaitility.await().atMost(Duration.ofSeconds(5)).until(() -> runs.size() == 16 && cluster.gateway().inFlightCalls() == 16);
    assertThat(run.progress().inFlight()).isEqualTo(16); // the window is the free capacity: 2 nodes x 8 slots
    run.cancel();
    assertThat(run.iterator().hasNext()).isFalse();
    Awaitility.await().atMost(Duration.ofSeconds(5)).until(() -> cluster.gateway().inFlightCalls() == 0);
    assertThat(run.progress().state()).isEqualTo(MapRun.State.CANCELLED);
    assertThat(runs).hasSize(16); // and no call started after the cancel
  }

  @Test
  void map_asPublisher_deliversInOrderAgainstDemand() throws Exception {
    startNodes("a", "b");
    MapRun<Long> run = cluster.client().map("square", Long.class, inputs(500, 0), FanOut.builder().window(8).build());
    List<Long> values = new CopyOnWriteArrayList<>();
    java.util.concurrent.CompletableFuture<Void> done = new java.util.concurrent.CompletableFuture<>();
    AtomicReference<Flow.Subscription> subscription = new AtomicReference<>();
    run.publisher().subscribe(new Flow.Subscriber<MapRun.Item<Long>>() {
      @Override
      public void onSubscribe(Flow.Subscription s) {
        subscription.set(s);
        s.request(1);
      }

      @Override
      public void onNext(MapRun.Item<Long> item) {
        values.add(item.value());
        subscription.get().request(1);
      }

      @Override
      public void onError(Throwable t) {
        done.completeExceptionally(t);
      }

      @Override
      public void onComplete() {
        done.complete(null);
      }
    });
    done.get(20, TimeUnit.SECONDS);
    assertThat(values).containsExactlyElementsOf(IntStream.range(0, 500).mapToObj(i -> (long) i * i).toList());
    assertThatThrownBy(run::iterator).isInstanceOf(IllegalStateException.class).hasMessageContaining("a MapRun is read once");
  }

  @Test
  void broadcast_twoOfThreeQuorum_isNotHeldUpByTheSlowNode() {
    cluster.startNode("fast-1", n -> n.register(new FanOutFunctions("fast-1")));
    cluster.startNode("fast-2", n -> n.register(new FanOutFunctions("fast-2", 50, runs)));
    cluster.startNode("slow", n -> n.register(new FanOutFunctions("slow", 30_000, runs)));
    long start = System.nanoTime();
    Gathered<String> gathered = cluster.client().broadcast("whoami", String.class,
        FanOut.builder().quorum(2).within(Duration.ofSeconds(10)).build());
    long tookMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
    assertThat(gathered.results()).containsExactlyInAnyOrderEntriesOf(Map.of("fast-1", "fast-1", "fast-2", "fast-2"));
    assertThat(gathered.unanswered()).containsExactly("slow");
    assertThat(gathered.errors()).isEmpty();
    assertThat(gathered.nodes()).isEqualTo(3);
    assertThat(tookMillis).isLessThan(5_000);
    Awaitility.await("the slow node's call cancelled").atMost(Duration.ofSeconds(5))
        .until(() -> cluster.gateway().inFlightCalls() == 0);
  }

  @Test
  void broadcast_everyNode_gathersByNodeIdAndHonoursRequirements() {
    cluster.startNode("eu-1", n -> n.register(new FanOutFunctions("eu-1")).label("zone", "eu"));
    cluster.startNode("eu-2", n -> n.register(new FanOutFunctions("eu-2", 100, runs)).label("zone", "eu"));
    cluster.startNode("us-1", n -> n.register(new FanOutFunctions("us-1")).label("zone", "us"));
    Gathered<String> all = cluster.client().broadcast("whoami", String.class);
    assertThat(all.results()).containsOnlyKeys("eu-1", "eu-2", "us-1").allSatisfy((node, value) -> assertThat(value).isEqualTo(node));
    Gathered<String> eu = cluster.client().withOptions(CallOptions.builder().require("zone", "eu").build()).broadcast("whoami", String.class);
    assertThat(eu.results()).containsOnlyKeys("eu-1", "eu-2");
    assertThatThrownBy(() -> cluster.client().broadcast("whoami", String.class, FanOut.builder().quorum(4).build()))
        .isInstanceOfSatisfying(RemoteException.class, e -> {
          assertThat(e.code()).isEqualTo(ErrorCode.NO_NODE_AVAILABLE);
          assertThat(e.getMessage()).isEqualTo("The broadcast of 'whoami' needs 4 answers, but only 3 nodes can run it: eu-1, eu-2, us-1.");
        });
  }

  @Test
  void broadcast_quorumOutOfTime_failsSayingWhatEachNodeDid() {
    cluster.startNode("fast", n -> n.register(new FanOutFunctions("fast")));
    cluster.startNode("slow", n -> n.register(new FanOutFunctions("slow", 30_000, runs)));
    assertThatThrownBy(() -> cluster.client().broadcast("whoami", String.class, FanOut.builder().within(Duration.ofMillis(500)).build()))
        .isInstanceOfSatisfying(RemoteException.class, e -> {
          assertThat(e.code()).isEqualTo(ErrorCode.DEADLINE_EXCEEDED);
          assertThat(e.getMessage()).startsWith("The broadcast of 'whoami' gathered 1 of the 2 answers it needs from 2 nodes: fast ok; slow DEADLINE_EXCEEDED");
        });
  }
}
