package io.easyremote.testing.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.google.protobuf.ByteString;
import io.easyremote.client.CallOptions;
import io.easyremote.client.CallResult;
import io.easyremote.client.Client;
import io.easyremote.cluster.nats.NatsServers;
import io.easyremote.cluster.nats.NatsUser;
import io.easyremote.gateway.ClusterConfig;
import io.easyremote.gateway.Gateway;
import io.easyremote.node.ComputeNode;
import io.easyremote.protocol.ErrorCode;
import io.easyremote.protocol.Remote;
import io.easyremote.protocol.RemoteException;
import io.easyremote.protocol.wire.CallRequest;
import io.easyremote.protocol.wire.ForwardedCall;
import io.easyremote.protocol.wire.CallReply;
import io.easyremote.protocol.wire.ForwardedCallBody;
import io.easyremote.protocol.wire.ForwardedReply;
import io.easyremote.protocol.wire.Payload;
import io.easyremote.testing.Http1;
import io.nats.client.Connection;
import io.nats.client.Nats;
import io.nats.client.Options;
import io.nats.client.Subscription;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Three gateways, each on its own server of a three-server NATS cluster with per-gateway
 * authorization: calls entering one gateway reach nodes connected only to another.
 */
class ClusterForwardingTest {
  private static final String PASSWORD = "nats-pw-0123456789";
  private static final String SECRET = "cluster-secret-0123456789abcdef";
  /** ClusterForwarder.RESYNC_MARGIN_NANOS (package-private there): how old a request must be for a resync notice to fail it. */
  private static final long RESYNC_MARGIN_NANOS = TimeUnit.MILLISECONDS.toNanos(100);
  private static final AtomicInteger marks = new AtomicInteger();
  private static final CountDownLatch interrupted = new CountDownLatch(1);
  private static final CountDownLatch released = new CountDownLatch(1);
  private static final AtomicInteger heldRuns = new AtomicInteger();
  private static final AtomicInteger streamed = new AtomicInteger();
  private static final AtomicInteger ticked = new AtomicInteger();
  private static final CountDownLatch ticksCancelled = new CountDownLatch(1);
  private static ComputeNode cNode;

  private static NatsServers nats;
  private static final List<AutoCloseable> open = new ArrayList<>();
  private static Gateway a;
  private static Gateway b;
  private static Gateway c;
  private static Client viaA;

  /** The functions of the one node, on gateway C. */
  public static final class OnlyOnC {
    @Remote(idempotent = true)
    public int add(int x, int y) {
      return x + y;
    }

    @Remote
    public String boom(String why) {
      throw new IllegalStateException("boom: " + why);
    }

    @Remote
    public int mark() {
      return marks.incrementAndGet();
    }

    @Remote
    public String heldCharge(String token) throws InterruptedException {
      heldRuns.incrementAndGet();
      released.await(10, TimeUnit.SECONDS);
      return "charged " + token;
    }

    @Remote
    public java.util.stream.Stream<Integer> numbers(int n) {
      return java.util.stream.IntStream.range(0, n).peek(i -> streamed.incrementAndGet()).boxed();
    }

    @Remote
    public void ticks(int n, io.easyremote.node.Emitter<Integer> out) throws InterruptedException {
      try {
        for (int i = 1; i <= n; i++) {
          out.emit(i);
          ticked.incrementAndGet();
        }
      } catch (InterruptedException e) {
        ticksCancelled.countDown();
        throw e;
      }
    }

    @Remote
    public String waitForCancel() {
      try {
        Thread.sleep(30_000); // the function under test: it must be interrupted by the cancel
        return "not cancelled";
      } catch (InterruptedException e) {
        interrupted.countDown();
        return "interrupted";
      }
    }
  }

  @BeforeAll
  static void startCluster() throws Exception {
    NatsServers.Builder servers = NatsServers.builder().servers(3);
    for (String id : List.of("gw-a", "gw-b", "gw-c", "gw-d", "gw-e")) {
      servers.user(NatsUser.gateway(id, PASSWORD));
    }
    // Authenticated on NATS and allowed to publish forwarded calls, but not a gateway: it has no cluster secret.
    servers.user(NatsUser.password("intruder", PASSWORD, List.of("easyremote.fwd.>", "_INBOX.>"), List.of("_INBOX.>")));
    // Can also read the forward subjects (a tap on the NATS network): it may capture signed calls and see where answers go.
    servers.user(NatsUser.password("spy", PASSWORD, List.of("easyremote.fwd.>", "_INBOX.>"), List.of("easyremote.fwd.>", "_INBOX.>")));
    nats = servers.start();
    a = gateway("gw-a", 0);
    b = gateway("gw-b", 1);
    c = gateway("gw-c", 2);
    cNode = ComputeNode.builder().gateway(c.address()).id("c-node").register(new OnlyOnC()).build().start();
    open.add(cNode);
    viaA = Client.builder().gateway(a.address()).deadline(Duration.ofSeconds(10)).build();
    open.add(viaA);
    await().atMost(Duration.ofSeconds(5)).until(() -> a.clusterStats().remoteNodes() == 1 && b.clusterStats().remoteNodes() == 1);
  }

  private static Gateway gateway(String id, int server) {
    Gateway g = unmanagedGateway(id, server, Duration.ofSeconds(1));
    open.add(0, g); // closed last
    return g;
  }

  private static Gateway unmanagedGateway(String id, int server, Duration drainTimeout) {
    return Gateway.builder().port(0).registrationGrace(Duration.ZERO).drainTimeout(drainTimeout)
        .cluster(ClusterConfig.builder().servers(nats.urlsFrom(server)).noRandomize().gatewayId(id)
            .userPassword(id, PASSWORD.toCharArray()).secret(SECRET.toCharArray()).build())
        .build().start();
  }

  @AfterAll
  static void stopCluster() throws Exception {
    for (int i = open.size() - 1; i >= 0; i--) {
      open.get(i).close(); // clients and nodes first, then the gateways
    }
    if (nats != null) {
      nats.close();
    }
  }

  @Test
  void call_enteringA_reachesTheNodeOnlyOnC() {
    long before = a.clusterStats().forwarded();

    CallResult<Integer> result = viaA.callDetailed("add", Integer.class, 2, 3);

    assertThat(result.value()).isEqualTo(5);
    assertThat(result.nodeId()).isEqualTo("c-node");
    assertThat(a.clusterStats().forwarded()).isEqualTo(before + 1);
    assertThat(a.nodes()).isEmpty(); // nothing local on A
  }

  @Test
  void listings_onA_showTheNodesOfEveryGateway_withTheirGateway() throws Exception {
    try (ComputeNode onA = ComputeNode.builder().gateway(a.address()).id("a-node").register("local", String.class, s -> s).build().start()) {
      await().atMost(Duration.ofSeconds(5)).until(() -> b.clusterStats().remoteNodes() == 2);

      assertThat(viaA.nodes()).extracting(io.easyremote.protocol.NodeInfo::id, io.easyremote.protocol.NodeInfo::gatewayId)
          .containsExactly(org.assertj.core.groups.Tuple.tuple("a-node", "gw-a"), org.assertj.core.groups.Tuple.tuple("c-node", "gw-c"));
      assertThat(viaA.functions()).filteredOn(f -> f.name().equals("add")).singleElement()
          .satisfies(f -> assertThat(f.nodeIds()).containsExactly("c-node"));
      assertThat(viaA.functions()).extracting(io.easyremote.protocol.FunctionInfo::name).contains("local", "add", "boom", "mark");

      java.net.http.HttpClient http = Http1.CLIENT;
      String nodesJson = http.send(java.net.http.HttpRequest.newBuilder(java.net.URI.create("http://" + b.address() + "/api/nodes")).build(),
          java.net.http.HttpResponse.BodyHandlers.ofString()).body();
      assertThat(nodesJson).contains("\"id\":\"a-node\"", "\"gatewayId\":\"gw-a\"", "\"id\":\"c-node\"", "\"gatewayId\":\"gw-c\"");
      String functionsJson = http.send(java.net.http.HttpRequest.newBuilder(java.net.URI.create("http://" + b.address() + "/api/functions"))
          .build(), java.net.http.HttpResponse.BodyHandlers.ofString()).body();
      assertThat(functionsJson).contains("\"name\":\"local\"", "\"name\":\"add\"");
    }
  }

  @Test
  void clusterViews_onA_showCsFunctionsWithTheirSpecs_inOpenApiMcpTheDashboardAndTheJavaApi() throws Exception {
    java.net.http.HttpClient http = Http1.CLIENT;
    String base = "http://" + a.address();

    String openapi = get(http, base + "/openapi.json");
    assertThat(openapi).contains("\"/api/add\"", "\"/api/boom\"");
    assertThat(openapi.substring(openapi.indexOf("\"/api/add\""))).as("add's parameters, from C's spec").contains("\"integer\"");

    String init = "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"initialize\",\"params\":{\"protocolVersion\":\"2025-06-18\","
        + "\"capabilities\":{},\"clientInfo\":{\"name\":\"t\",\"version\":\"1\"}}}";
    java.net.http.HttpResponse<String> session = mcp(http, init, null);
    String id = session.headers().firstValue("mcp-session-id").orElseThrow();
    String tools = mcp(http, "{\"jsonrpc\":\"2.0\",\"id\":2,\"method\":\"tools/list\"}", id).body();
    assertThat(tools).contains("\"name\":\"add\"", "\"inputSchema\"");
    String called = mcp(http, "{\"jsonrpc\":\"2.0\",\"id\":3,\"method\":\"tools/call\",\"params\":{\"name\":\"add\","
        + "\"arguments\":{\"x\":20,\"y\":22}}}", id).body();
    assertThat(called).as("an MCP call of C's tool through A").contains("42").doesNotContain("\"isError\":true");

    String dashboard = get(http, base + "/api/dashboard");
    assertThat(dashboard).contains("\"id\":\"c-node\"", "\"gatewayId\":\"gw-c\"", "\"name\":\"add\"");

    assertThat(a.nodes()).isEmpty(); // this gateway's own nodes
    assertThat(a.clusterNodes()).extracting(io.easyremote.protocol.NodeInfo::id, io.easyremote.protocol.NodeInfo::gatewayId)
        .contains(org.assertj.core.groups.Tuple.tuple("c-node", "gw-c"));
    assertThat(a.clusterFunctions()).filteredOn(f -> f.name().equals("add")).singleElement()
        .satisfies(f -> assertThat(f.parameters()).hasSize(2));
  }

  private static String get(java.net.http.HttpClient http, String url) throws Exception {
    return http.send(java.net.http.HttpRequest.newBuilder(java.net.URI.create(url)).build(),
        java.net.http.HttpResponse.BodyHandlers.ofString()).body();
  }

  private java.net.http.HttpResponse<String> mcp(java.net.http.HttpClient http, String body, String session) throws Exception {
    java.net.http.HttpRequest.Builder b = java.net.http.HttpRequest.newBuilder(java.net.URI.create("http://" + a.address() + "/mcp"))
        .header("content-type", "application/json").header("accept", "application/json, text/event-stream")
        .POST(java.net.http.HttpRequest.BodyPublishers.ofString(body));
    if (session != null) {
      b.header("mcp-session-id", session);
    }
    return http.send(b.build(), java.net.http.HttpResponse.BodyHandlers.ofString());
  }

  @Test
  void idempotencyKey_retriedThroughAnotherGateway_replaysTheFirstOutcome_evenWhereBothHaveANode() throws Exception {
    AtomicInteger runs = new AtomicInteger();
    await().atMost(Duration.ofSeconds(5)).until(() -> a.clusterStats().remoteGateways() == 2 && b.clusterStats().remoteGateways() == 2);
    try (ComputeNode onA = ComputeNode.builder().gateway(a.address()).id("tally-a").register("tally", String.class, s -> s + runs.incrementAndGet())
            .build().start();
        ComputeNode onB = ComputeNode.builder().gateway(b.address()).id("tally-b").register("tally", String.class, s -> s + runs.incrementAndGet())
            .build().start();
        Client viaB = Client.builder().gateway(b.address()).deadline(Duration.ofSeconds(10)).build()) {
      await().atMost(Duration.ofSeconds(5)).until(() -> a.clusterStats().remoteNodes() == 2 && b.clusterStats().remoteNodes() == 2);
      for (int k = 0; k < 8; k++) { // keys spread over the three gateways as their homes
        String key = "order-" + k;
        CallOptions keyed = CallOptions.builder().idempotencyKey(key).build();
        int before = runs.get();

        String first = viaA.withOptions(keyed).call("tally", String.class, "run ");
        String retry = viaB.withOptions(keyed).call("tally", String.class, "run ");

        assertThat(retry).as("key %s: the retry through B replays A's outcome", key).isEqualTo(first);
        assertThat(runs.get()).as("key %s ran once", key).isEqualTo(before + 1);
      }
    }
  }

  @Test
  void pinnedCall_toANodeOnC_runsThere_andAnUnknownPinIsRefusedAsBefore() {
    assertThat(viaA.callNode("c-node", "add", Integer.class, 40, 2)).isEqualTo(42);

    assertThatThrownBy(() -> viaA.callNode("nowhere", "add", Integer.class, 1, 1))
        .isInstanceOfSatisfying(RemoteException.class, e -> assertThat(e.code()).isIn(ErrorCode.NO_NODE_AVAILABLE,
            ErrorCode.FUNCTION_NOT_FOUND));
  }

  @Test
  void remoteErrors_comeBackWithTheirOwnCodes() {
    assertThatThrownBy(() -> viaA.call("boom", String.class, "on purpose"))
        .isInstanceOfSatisfying(RemoteException.class, e -> {
          assertThat(e.code()).isEqualTo(ErrorCode.FUNCTION_FAILED);
          assertThat(e.getMessage()).contains("boom: on purpose");
          assertThat(e.nodeId()).isEqualTo("c-node");
          assertThat(e.reachedNode()).isTrue();
        });
    assertThatThrownBy(() -> viaA.call("add", Integer.class, "not a number", 1))
        .isInstanceOfSatisfying(RemoteException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.INVALID_ARGUMENTS));
    assertThatThrownBy(() -> viaA.call("nobodyOffersThis", Integer.class))
        .isInstanceOfSatisfying(RemoteException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.FUNCTION_NOT_FOUND));
  }

  @Test
  void cancel_ofAForwardedCall_reachesTheNodeOnC() throws Exception {
    CompletableFuture<String> call = viaA.callAsync("waitForCancel", String.class);
    await().atMost(Duration.ofSeconds(5)).until(() -> cNode.inFlight() == 1);

    call.cancel(true);

    assertThat(interrupted.await(5, TimeUnit.SECONDS)).as("the node's method was interrupted").isTrue();
    await().atMost(Duration.ofSeconds(5)).until(() -> cNode.inFlight() == 0);
  }

  @Test
  void stream_enteringA_ofTenThousandItems_arrivesCompleteAndInOrderFromC_withEveryBufferBounded() throws Exception {
    int before = streamed.get();
    long forwardedBefore = a.clusterStats().forwarded();
    List<Integer> seen = new ArrayList<>();
    int maxAhead = 0;
    int maxBuffered = 0;
    try (Client windowed = Client.builder().gateway(a.address()).deadline(Duration.ofSeconds(30)).streamWindow(256).build();
         io.easyremote.client.ResultStream<Integer> items = windowed.stream("numbers", Integer.class, 10_000)) {
      java.util.Iterator<Integer> it = items.iterator();
      while (it.hasNext()) {
        seen.add(it.next());
        maxAhead = Math.max(maxAhead, streamed.get() - before - seen.size());
        maxBuffered = Math.max(maxBuffered, Math.max(a.bufferedStreamItems(), c.bufferedStreamItems()));
        if (seen.size() <= 600) {
          Thread.sleep(1); // a slow consumer for a while: the producer on C must wait for it
        }
      }
      assertThat(items.count()).isEqualTo(10_000);
      assertThat(items.nodeId()).isEqualTo("c-node");
    }
    assertThat(seen).isEqualTo(java.util.stream.IntStream.range(0, 10_000).boxed().toList());
    assertThat(a.clusterStats().forwarded()).isEqualTo(forwardedBefore + 1);
    // Credits travel end to end (caller -> A -> C -> node): the node is never further ahead of the
    // caller than the caller's window (256), whatever the two gateways and NATS hold in between.
    assertThat(maxAhead).as("items produced on C beyond those consumed through A").isLessThanOrEqualTo(257);
    assertThat(maxBuffered).as("items held by A's and C's front ends").isLessThanOrEqualTo(128);
  }

  @Test
  void stream_enteringA_closedAfterFiveItems_cancelsTheProducerOnC() throws Exception {
    try (io.easyremote.client.ResultStream<Integer> items = viaA.stream("ticks", Integer.class, 1_000_000)) {
      java.util.Iterator<Integer> it = items.iterator();
      for (int i = 1; i <= 5; i++) {
        assertThat(it.next()).isEqualTo(i);
      }
    }
    assertThat(ticksCancelled.await(2, TimeUnit.SECONDS)).as("the producer on C was interrupted").isTrue();
    int producedAtStop = ticked.get();
    await().during(Duration.ofMillis(200)).atMost(Duration.ofSeconds(1)).until(() -> ticked.get() == producedAtStop);
    await().atMost(Duration.ofSeconds(5)).until(() -> cNode.inFlight() == 0);
  }

  @Test
  void call_findingEveryLocalNodeBusy_isForwardedToAGatewayWithAFreeNode() throws Exception {
    CountDownLatch release = new CountDownLatch(1);
    java.util.function.Function<String, String> held = s -> {
      try {
        release.await(10, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      return s;
    };
    try (ComputeNode onB = ComputeNode.builder().gateway(b.address()).id("busy-b").maxConcurrency(1)
            .register("held", String.class, s -> "b " + held.apply(s)).build().start();
        ComputeNode onC = ComputeNode.builder().gateway(c.address()).id("free-c").maxConcurrency(1)
            .register("held", String.class, s -> "c " + held.apply(s)).build().start();
        Client viaB = Client.builder().gateway(b.address()).deadline(Duration.ofSeconds(10)).build()) {
      await().atMost(Duration.ofSeconds(5)).until(() -> b.clusterFunctions().stream()
          .anyMatch(f -> f.name().equals("held") && f.nodeIds().contains("free-c")));
      long before = b.clusterStats().forwardedWhenBusy();

      CompletableFuture<String> first = viaB.callAsync("held", String.class, "1"); // takes B's only slot
      await().atMost(Duration.ofSeconds(5)).until(() -> onB.inFlight() == 1);
      CompletableFuture<String> second = viaB.callAsync("held", String.class, "2");
      await().atMost(Duration.ofSeconds(5)).until(() -> onC.inFlight() == 1); // forwarded to C, not queued on B
      assertThat(b.clusterStats().forwardedWhenBusy()).isEqualTo(before + 1);

      release.countDown();
      assertThat(first.get(10, TimeUnit.SECONDS)).isEqualTo("b 1");
      assertThat(second.get(10, TimeUnit.SECONDS)).isEqualTo("c 2");
    }
  }

  @Test
  void drain_throughA_ofANodeOnC_drainsItOnC_andAnUnknownNodeIsStillNotFound() throws Exception {
    try (ComputeNode onC = ComputeNode.builder().gateway(c.address()).id("drain-c").register("drained", String.class, s -> s).build().start()) {
      await().atMost(Duration.ofSeconds(5)).until(() -> a.clusterNodes().stream().anyMatch(n -> n.id().equals("drain-c")));

      assertThat(viaA.drain("drain-c", Duration.ofSeconds(1))).as("calls in flight on it").isZero();

      await().atMost(Duration.ofSeconds(5)).until(() -> c.nodes().stream().noneMatch(n -> n.id().equals("drain-c")));
      assertThat(a.nodes()).isEmpty(); // A never held it
    }
    assertThatThrownBy(() -> viaA.drain("nobody-anywhere", Duration.ofSeconds(1)))
        .isInstanceOfSatisfying(RemoteException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.NO_NODE_AVAILABLE));
  }

  @Test
  void node_joiningB_isCallableFromA_withinOneSecond() throws Exception {
    try (ComputeNode late = ComputeNode.builder().gateway(b.address()).id("b-late")
        .register("late", String.class, s -> "late " + s).build().start()) {
      long joined = System.nanoTime();
      await().atMost(Duration.ofSeconds(1)).pollInterval(Duration.ofMillis(10)).ignoreExceptionsInstanceOf(RemoteException.class)
          .until(() -> "late x".equals(viaA.withDeadline(Duration.ofMillis(500)).call("late", String.class, "x")));
      System.out.printf("node joining B callable from A after %d ms%n", TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - joined));
    }
  }

  @Test
  void forgedForward_fromAnAuthenticatedNatsUserWithoutTheSecret_isIgnoredAndCounted() throws Exception {
    // (A client without credentials cannot even connect: NatsDirectoryTest.connect_withoutCredentials_isRefusedByNats.)
    long ignoredBefore = c.clusterStats().ignoredForwards();
    int marksBefore = marks.get();
    try (Connection intruder = Nats.connect(new Options.Builder().server(nats.url(2)).userInfo("intruder", PASSWORD).build())) {
      ForwardedCallBody body = ForwardedCallBody.newBuilder().setFromGateway("gw-a").setToGateway("gw-c")
          .setIssuedAtMs(System.currentTimeMillis()).setDeadlineMs(5_000).setPrincipal("admin")
          .setCall(CallRequest.newBuilder().setFunction("mark")
              .setPayload(Payload.newBuilder().setData(ByteString.copyFromUtf8("[]")))).build();
      Subscription replies = intruder.subscribe("_INBOX.intruder");
      intruder.publish("easyremote.fwd.gw-c", "_INBOX.intruder",
          ForwardedCall.newBuilder().setBody(body.toByteString()).build().toByteArray()); // unsigned
      intruder.publish("easyremote.fwd.gw-c", "_INBOX.intruder", ForwardedCall.newBuilder().setBody(body.toByteString())
          .setMac(ByteString.copyFrom(new byte[32])).build().toByteArray()); // signed with a guess
      intruder.publish("easyremote.fwd.gw-c", "_INBOX.intruder", "not protobuf at all".getBytes(StandardCharsets.UTF_8));
      intruder.flush(Duration.ofSeconds(2));

      await().atMost(Duration.ofSeconds(5)).until(() -> c.clusterStats().ignoredForwards() == ignoredBefore + 3);
      assertThat(replies.nextMessage(Duration.ofMillis(200))).as("a forger gets no answer").isNull();
    }
    assertThat(marks.get()).as("the node never ran a forged call").isEqualTo(marksBefore);
    assertThat(viaA.call("mark", Integer.class)).isEqualTo(marksBefore + 1); // a real forwarded call still works
  }

  @Test
  void capturedForward_sentAgain_isIgnoredAsAReplay_andForgedRepliesAndResyncNotices_areIgnoredWhileTheRealAnswerArrives() throws Exception {
    long replaysBefore = c.clusterStats().ignoredForwards();
    long forgedRepliesBefore = a.clusterStats().ignoredReplies();
    try (Connection spy = Nats.connect(new Options.Builder().server(nats.url(1)).userInfo("spy", PASSWORD).build())) {
      Subscription tap = spy.subscribe("easyremote.fwd.gw-c");
      awaitInterestOnServer0(spy);
      CompletableFuture<String> call = viaA.callAsync("heldCharge", String.class, "t-1");
      io.nats.client.Message captured = null;
      while (captured == null) {
        io.nats.client.Message m = tap.nextMessage(Duration.ofSeconds(5));
        assertThat(m).as("A forwards the call to C").isNotNull();
        ForwardedCallBody body = ForwardedCallBody.parseFrom(ForwardedCall.parseFrom(m.getData()).getBody());
        if (body.getCall().getFunction().equals("heldCharge")) {
          captured = m;
        }
      }
      await().atMost(Duration.ofSeconds(5)).until(() -> heldRuns.get() == 1);

      // The captured call, signed and fresh, sent again: C ignores it as a replay.
      spy.publish("easyremote.fwd.gw-c", "_INBOX.spy", captured.getData());
      // Answers to A's inbox that C did not sign for this request: ignored, A keeps waiting.
      CallReply forged = CallReply.newBuilder().setPayload(Payload.newBuilder().setData(ByteString.copyFromUtf8("\"forged\""))).build();
      spy.publish(captured.getReplyTo(), ForwardedReply.newBuilder().setReply(forged.toByteString())
          .setMac(ByteString.copyFrom(new byte[32])).build().toByteArray());
      spy.publish(captured.getReplyTo(), forged.toByteArray()); // unwrapped
      // A made-up resync notice "from C" (C's connection dropped; none of A's requests alive there), unsigned and with a
      // guessed signature: A ignores both and keeps waiting. Accepted, it would fail the call, by then older than the notice's margin.
      long resyncsBefore = a.clusterStats().ignoredForwards();
      await().pollDelay(Duration.ofMillis(2 * TimeUnit.NANOSECONDS.toMillis(RESYNC_MARGIN_NANOS))).until(() -> true);
      ByteString resync = ForwardedCallBody.newBuilder().setFromGateway("gw-c").setToGateway("gw-a")
          .setIssuedAtMs(System.currentTimeMillis()).setRequestId(1).setResync(true).build().toByteString();
      spy.publish("easyremote.fwd.gw-a", ForwardedCall.newBuilder().setBody(resync).build().toByteArray());
      spy.publish("easyremote.fwd.gw-a", ForwardedCall.newBuilder().setBody(resync).setMac(ByteString.copyFrom(new byte[32])).build()
          .toByteArray());
      spy.flush(Duration.ofSeconds(2));

      await().atMost(Duration.ofSeconds(5)).until(() -> c.clusterStats().ignoredForwards() == replaysBefore + 1
          && a.clusterStats().ignoredReplies() == forgedRepliesBefore + 2 && a.clusterStats().ignoredForwards() == resyncsBefore + 2);
      assertThat(call).isNotDone();
      released.countDown();
      assertThat(call.get(5, TimeUnit.SECONDS)).isEqualTo("charged t-1");
      assertThat(heldRuns).as("the captured call ran once").hasValue(1);
    } finally {
      released.countDown();
    }
  }

  /**
   * Returns once server 0 (gateway A's) knows of the subscriptions {@code spy} made so far on its
   * server: NATS passes a subscription's interest on to the other servers after the subscribing
   * client's flush, in order per route, so a probe subscription that server 0 delivers to proves the
   * earlier ones arrived too. (Without it, A's forward could leave before server 0 knew of the tap.)
   */
  private static void awaitInterestOnServer0(Connection spy) throws Exception {
    Subscription probe = spy.subscribe("_INBOX.spy-probe");
    spy.flush(Duration.ofSeconds(2));
    try (Connection onServer0 = Nats.connect(new Options.Builder().server(nats.url(0)).userInfo("intruder", PASSWORD).build())) {
      await("the spy's interest reaches server 0").atMost(Duration.ofSeconds(5)).until(() -> {
        onServer0.publish("_INBOX.spy-probe", new byte[0]);
        onServer0.flush(Duration.ofSeconds(1));
        return probe.nextMessage(Duration.ofMillis(100)) != null;
      });
    }
    probe.unsubscribe();
  }

  @Test
  void forgedForward_fromAnUnauthenticatedClientOnAnOpenNats_isIgnoredAndCounted() throws Exception {
    // A NATS without authorization: anyone may connect and publish; the cluster secret keeps forged calls out.
    AtomicInteger ran = new AtomicInteger();
    try (NatsServers open = NatsServers.builder().servers(1).start();
        Gateway x = Gateway.builder().port(0).registrationGrace(Duration.ZERO).drainTimeout(Duration.ZERO)
            .cluster(ClusterConfig.builder().servers(open.url(0)).gatewayId("gw-x").secret(SECRET.toCharArray()).build())
            .build().start();
        ComputeNode onX = ComputeNode.builder().gateway(x.address()).id("x-node").register("markX", String.class, s -> {
          ran.incrementAndGet();
          return s;
        }).build().start();
        Connection anyone = Nats.connect(new Options.Builder().server(open.url(0)).build())) {
      ForwardedCallBody body = ForwardedCallBody.newBuilder().setFromGateway("gw-y").setToGateway("gw-x")
          .setIssuedAtMs(System.currentTimeMillis()).setDeadlineMs(5_000)
          .setCall(CallRequest.newBuilder().setFunction("markX").setPayload(Payload.newBuilder().setData(ByteString.copyFromUtf8("[\"f\"]"))))
          .build();
      byte[] unsigned = ForwardedCall.newBuilder().setBody(body.toByteString()).build().toByteArray();

      assertThat(anyone.request("easyremote.fwd.gw-x", unsigned, Duration.ofMillis(300))).as("a forger gets no answer").isNull();

      await().atMost(Duration.ofSeconds(2)).until(() -> x.clusterStats().ignoredForwards() == 1);
      assertThat(x.clusterStats().servedForPeers()).isZero();
      assertThat(ran).as("the node never ran the forged call").hasValue(0);
    }
  }

  @Test
  void remoteGateway_closingGracefully_leavesTheDirectoryAtOnce_andStillAnswersWhatWasForwardedToIt() throws Exception {
    CountDownLatch release = new CountDownLatch(1);
    Gateway e = unmanagedGateway("gw-e", 2, Duration.ofSeconds(5));
    try (ComputeNode onE = ComputeNode.builder().gateway(e.address()).id("e-node")
        .register("holdE", String.class, s -> {
          try {
            release.await(10, TimeUnit.SECONDS);
          } catch (InterruptedException ex) {
            Thread.currentThread().interrupt();
          }
          return "done " + s;
        }).build().start()) {
      await().atMost(Duration.ofSeconds(5)).until(() -> viaA.nodes().stream().anyMatch(n -> n.id().equals("e-node")));
      CompletableFuture<String> held = viaA.withDeadline(Duration.ofSeconds(10)).callAsync("holdE", String.class, "x");
      await().atMost(Duration.ofSeconds(5)).until(() -> onE.inFlight() == 1);

      CompletableFuture<Void> closing = CompletableFuture.runAsync(e::close);
      await("goodbye: A drops gw-e's node at once").atMost(Duration.ofSeconds(1))
          .until(() -> viaA.nodes().stream().noneMatch(n -> n.id().equals("e-node")));
      assertThat(held).isNotDone();
      release.countDown();

      assertThat(held.get(5, TimeUnit.SECONDS)).isEqualTo("done x");
      closing.get(10, TimeUnit.SECONDS);
    } finally {
      release.countDown();
      e.close();
    }
  }

  @Test
  void remoteGateway_killed_failsItsCallsClearlyAndQuickly_andItsNodeReHomesToB() throws Exception {
    CountDownLatch release = new CountDownLatch(1);
    try (ClusterGatewayProcess d = ClusterGatewayProcess.start("gw-d", nats.url(1), PASSWORD, SECRET);
        ComputeNode onD = ComputeNode.builder().gateway(d.address() + "," + b.address()).id("d-node")
            .reconnectBackoff(Duration.ofSeconds(1), Duration.ofSeconds(2)) // the first retry 0.5-1 s after the loss, on B
            .register("hold", String.class, s -> {
              try {
                release.await(30, TimeUnit.SECONDS);
              } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
              }
              return s;
            })
            .register("onlyOnD", String.class, s -> s).build().start()) {
      await().atMost(Duration.ofSeconds(5)).until(() -> a.clusterStats().remoteNodes() == 2);
      assertThat(viaA.call("onlyOnD", String.class, "up")).isEqualTo("up");
      CompletableFuture<String> held = viaA.withDeadline(Duration.ofSeconds(15)).callAsync("hold", String.class, "x");
      await().atMost(Duration.ofSeconds(5)).until(() -> onD.inFlight() == 1);

      long killed = System.nanoTime();
      d.kill();

      // A new call in the window before the directory notices: nobody answers on gw-d's subject any more.
      long asked = System.nanoTime();
      assertThatThrownBy(() -> viaA.withDeadline(Duration.ofSeconds(10)).call("onlyOnD", String.class, "y"))
          .isInstanceOfSatisfying(RemoteException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.UNAVAILABLE));
      assertThat(Duration.ofNanos(System.nanoTime() - asked)).isLessThan(Duration.ofSeconds(3));
      // The call in flight fails when gw-d expires from the directory (2 s), long before its 15 s deadline.
      assertThatThrownBy(() -> held.get(10, TimeUnit.SECONDS)).isInstanceOf(ExecutionException.class)
          .cause().isInstanceOfSatisfying(RemoteException.class, e -> {
            assertThat(e.code()).isEqualTo(ErrorCode.NODE_LOST);
            assertThat(e.getMessage()).contains("gw-d");
          });
      long failedAfter = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - killed);
      assertThat(failedAfter).isLessThan(5_000);
      // The node knows gateway B too: it re-homes there and is callable from A again within 5 s of the kill.
      await().atMost(Duration.ofMillis(5_000 - TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - killed)))
          .pollInterval(Duration.ofMillis(20)).ignoreExceptionsInstanceOf(RemoteException.class)
          .until(() -> "back".equals(viaA.withDeadline(Duration.ofSeconds(1)).call("onlyOnD", String.class, "back")));
      long reHomedAfter = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - killed);
      assertThat(b.nodes()).extracting(io.easyremote.protocol.NodeInfo::id).contains("d-node");
      System.out.printf("in-flight forwarded call failed %d ms after its gateway was killed; its node callable again via B after %d ms%n",
          failedAfter, reHomedAfter);
    } finally {
      release.countDown();
    }
  }

  @Test
  void remoteGateway_frozen_failsAForwardedCallAtItsDeadline_andAForgetsTheRequest() throws Exception {
    try (ClusterGatewayProcess e = ClusterGatewayProcess.start("gw-e", nats.url(2), PASSWORD, SECRET);
        ComputeNode onE = ComputeNode.builder().gateway(e.address()).id("e-node").register("onlyOnE", String.class, s -> s).build().start()) {
      await().atMost(Duration.ofSeconds(5)).until(() -> a.clusterStats().remoteNodes() == 2);
      assertThat(viaA.call("onlyOnE", String.class, "up")).isEqualTo("up");
      long failedBefore = a.clusterStats().forwardFailures();

      e.freeze(true); // still in the directory for about 2 s, but nothing it is sent is answered
      try {
        long asked = System.nanoTime();
        assertThatThrownBy(() -> viaA.withDeadline(Duration.ofMillis(200)).call("onlyOnE", String.class, "lost"))
            .isInstanceOfSatisfying(RemoteException.class, ex -> assertThat(ex.code()).isEqualTo(ErrorCode.DEADLINE_EXCEEDED));
        assertThat(Duration.ofNanos(System.nanoTime() - asked)).isLessThan(Duration.ofSeconds(1));
        // A's own timeout of the forward ends its wait at the deadline, long before gw-e expires from the directory.
        await().atMost(Duration.ofMillis(500)).until(() -> a.clusterStats().forwardFailures() == failedBefore + 1);
      } finally {
        e.freeze(false);
      }
    }
  }
}
