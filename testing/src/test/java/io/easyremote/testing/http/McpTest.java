package io.easyremote.testing.http;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.easyremote.gateway.Access;
import io.easyremote.protocol.Remote;
import io.easyremote.testing.TestCluster;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** {@code /mcp} driven by the official MCP TypeScript SDK client from npm, on a gateway with client keys. */
class McpTest {
  static final String NODE_TOKEN = "er_mcp-node-token-0123456789abcdef";
  static final String AGENT_KEY = "er_mcp-agent-key-0123456789abcdef";
  static final AtomicInteger interrupted = new AtomicInteger();
  static final CountDownLatch started = new CountDownLatch(1);

  /** The functions agents see. */
  public static final class Tools {
    /** A value type: its schema has properties. */
    public record Sum(int total, String note) {}

    @Remote(description = "Adds two integers", idempotent = true)
    public int add(int a, int b) {
      return a + b;
    }

    @Remote(description = "Adds and explains")
    public Sum explain(int a, int b) {
      return new Sum(a + b, a + " + " + b);
    }

    @Remote(description = "Counts from 1 to n")
    public Stream<Integer> count(int n) {
      return Stream.iterate(1, i -> i + 1).limit(n);
    }

    @Remote(description = "Always fails")
    public String fail(String message) {
      throw new IllegalStateException(message);
    }

    @Remote(description = "Runs until cancelled")
    public String forever() throws InterruptedException {
      started.countDown();
      try {
        Thread.sleep(60_000); // simulated long work; the test cancels it
        return "done";
      } catch (InterruptedException e) {
        interrupted.incrementAndGet();
        throw e;
      }
    }

    @Remote(description = "Says the gateway is up", isPublic = true)
    public String status() {
      return "up";
    }
  }

  /** A function that arrives later, with another node. */
  public static final class Late {
    @Remote(description = "Joins late")
    public String late() {
      return "late";
    }
  }

  @RegisterExtension
  static final TestCluster cluster = TestCluster.builder()
      .gateway(g -> g.access(Access.builder()
          .nodeToken("node", NODE_TOKEN, List.of("*"), List.of("*"))
          .clientKey("agent", AGENT_KEY, List.of("*"), 0, 0)
          .publicFunctions("status")
          .build()))
      .node("mcp-node", n -> n.token(NODE_TOKEN).register(new Tools()))
      .build();

  private static String url() {
    return "http://" + cluster.address() + "/mcp";
  }

  private static McpClientProcess connected(String key) throws Exception {
    McpClientProcess mcp = McpClientProcess.start();
    JsonNode connect = mcp.send("connect " + url() + (key == null ? "" : " " + key));
    assertThat(connect.get("ok").asBoolean()).as(connect.toString()).isTrue();
    return mcp;
  }

  private static List<String> names(JsonNode list) {
    List<String> names = new ArrayList<>();
    list.get("tools").forEach(t -> names.add(t.get("name").asText()));
    return names;
  }

  private static JsonNode tool(JsonNode list, String name) {
    for (JsonNode t : list.get("tools")) {
      if (t.get("name").asText().equals(name)) {
        return t;
      }
    }
    throw new AssertionError("no tool " + name + " in " + list);
  }

  @Test
  void sdkClient_listsToolsWithSchemas_andCallsAdd() throws Exception {
    try (McpClientProcess mcp = connected(AGENT_KEY)) {
      JsonNode list = mcp.send("list");
      assertThat(names(list)).contains("add", "explain", "count", "fail", "forever", "status");
      JsonNode add = tool(list, "add");
      assertThat(add.get("description").asText()).isEqualTo("Adds two integers");
      assertThat(add.at("/inputSchema/type").asText()).isEqualTo("object");
      assertThat(add.at("/inputSchema/properties/a/type").asText()).isEqualTo("integer");
      assertThat(add.at("/inputSchema/required").toString()).isEqualTo("[\"a\",\"b\"]");
      assertThat(add.at("/outputSchema/properties/result/type").asText()).isEqualTo("integer");
      assertThat(add.at("/annotations/idempotentHint").asBoolean()).isTrue();

      JsonNode sum = mcp.send("call add {\"a\": 2, \"b\": 3}").get("result");
      assertThat(sum.get("isError").asBoolean()).isFalse();
      assertThat(sum.at("/structuredContent/result").asInt()).isEqualTo(5);
      assertThat(sum.at("/content/0/text").asText()).isEqualTo("5");

      JsonNode explained = mcp.send("call explain {\"a\": 20, \"b\": 22}").get("result"); // the SDK validates it against outputSchema
      assertThat(explained.at("/structuredContent/result/total").asInt()).isEqualTo(42);
      assertThat(explained.at("/structuredContent/result/note").asText()).isEqualTo("20 + 22");
    }
  }

  @Test
  void failingTool_isAnErrorResultNamingTheCode() throws Exception {
    try (McpClientProcess mcp = connected(AGENT_KEY)) {
      JsonNode failed = mcp.send("call fail {\"message\": \"boom\"}").get("result");
      assertThat(failed.get("isError").asBoolean()).isTrue();
      assertThat(failed.at("/content/0/text").asText()).startsWith("FUNCTION_FAILED: boom");
      JsonNode bad = mcp.send("call add {\"a\": \"two\"}").get("result");
      assertThat(bad.get("isError").asBoolean()).isTrue();
      assertThat(bad.at("/content/0/text").asText()).startsWith("INVALID_ARGUMENTS: ");
      JsonNode unknown = mcp.send("call nope {}");
      assertThat(unknown.get("error").asText()).contains("Unknown tool: 'nope'");
    }
  }

  @Test
  void streamingTool_sendsProgressPerItem_thenTheItems() throws Exception {
    try (McpClientProcess mcp = connected(AGENT_KEY)) {
      JsonNode streamed = mcp.send("stream count {\"n\": 4}");
      assertThat(streamed.get("progress").toString()).isEqualTo("[\"1\",\"2\",\"3\",\"4\"]");
      assertThat(streamed.at("/result/structuredContent/items").toString()).isEqualTo("[1,2,3,4]");
      assertThat(streamed.at("/result/isError").asBoolean()).isFalse();
    }
  }

  @Test
  void cancelledCall_interruptsTheFunctionOnItsNode() throws Exception {
    int before = interrupted.get();
    try (McpClientProcess mcp = connected(AGENT_KEY)) {
      assertThat(mcp.send("start forever {}").get("started").asBoolean()).isTrue();
      assertThat(started.await(20, TimeUnit.SECONDS)).as("the function started on its node").isTrue();
      JsonNode aborted = mcp.send("abort");
      assertThat(aborted.get("error").asText()).containsIgnoringCase("abort");
      Awaitility.await("the node interrupts the function").atMost(Duration.ofSeconds(10)).until(() -> interrupted.get() > before);
      Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> cluster.gateway().inFlightCalls() == 0);
    }
  }

  @Test
  void nodeJoining_notifiesToolsListChanged_andTheNewToolIsListed() throws Exception {
    try (McpClientProcess mcp = connected(AGENT_KEY)) {
      JsonNode before = mcp.send("list");
      assertThat(names(before)).doesNotContain("late");
      cluster.startNode("late-node", n -> n.token(NODE_TOKEN).register(new Late()));
      try {
        JsonNode changed = mcp.send("awaitListChanged 15000 " + before.get("listChanged").asInt(), Duration.ofSeconds(20));
        assertThat(changed.get("listChanged").asBoolean()).as("notifications/tools/list_changed").isTrue();
        assertThat(names(mcp.send("list"))).contains("late");
        assertThat(mcp.send("call late {}").at("/result/structuredContent/result").asText()).isEqualTo("late");
      } finally {
        cluster.stopNode("late-node");
      }
    }
  }

  @Test
  void withoutKey_onlyPublicToolsAreListed_andOthersRefused_andABadKeyCannotConnect() throws Exception {
    try (McpClientProcess mcp = connected(null)) {
      assertThat(names(mcp.send("list"))).containsExactly("status");
      assertThat(mcp.send("call status {}").at("/result/structuredContent/result").asText()).isEqualTo("up");
      JsonNode refused = mcp.send("call add {\"a\": 1, \"b\": 2}").get("result");
      assertThat(refused.get("isError").asBoolean()).isTrue();
      assertThat(refused.at("/content/0/text").asText()).startsWith("UNAUTHENTICATED: ");
    }
    try (McpClientProcess mcp = McpClientProcess.start()) {
      JsonNode connect = mcp.send("connect " + url() + " er_not-a-valid-key-0123456789abcdef");
      assertThat(connect.get("ok").asBoolean()).isFalse();
      assertThat(connect.get("error").asText()).contains("UNAUTHENTICATED: The client key is not valid");
    }
  }

  @Test
  void foreignOrigin_isRefused_whileLoopbackOriginsAndNoOriginPass() throws Exception {
    String init = "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"initialize\",\"params\":{\"protocolVersion\":\"2025-06-18\","
        + "\"capabilities\":{},\"clientInfo\":{\"name\":\"t\",\"version\":\"1\"}}}";
    HttpResponse<String> evil = post(init, "origin", "http://evil.example:8080");
    assertThat(evil.statusCode()).isEqualTo(403);
    HttpResponse<String> local = post(init, "origin", "http://localhost:3000");
    assertThat(local.statusCode()).as(local.body()).isEqualTo(200);
    assertThat(local.headers().firstValue("mcp-session-id")).isPresent();
    HttpResponse<String> badKey = post(init, "authorization", "Bearer er_not-a-valid-key-0123456789abcdef");
    assertThat(badKey.statusCode()).isEqualTo(401);
    assertThat(badKey.headers().firstValue("www-authenticate")).hasValueSatisfying(v -> assertThat(v).startsWith("Bearer"));
    HttpResponse<String> noSession = post("{\"jsonrpc\":\"2.0\",\"id\":2,\"method\":\"tools/list\"}");
    assertThat(noSession.statusCode()).isEqualTo(400);
    HttpResponse<String> unknownSession = post("{\"jsonrpc\":\"2.0\",\"id\":2,\"method\":\"tools/list\"}",
        "mcp-session-id", "0123456789abcdef0123456789abcdef");
    assertThat(unknownSession.statusCode()).isEqualTo(404);
  }

  private static HttpResponse<String> post(String body, String... headers) throws Exception {
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(url())).timeout(Duration.ofSeconds(20))
        .header("content-type", "application/json").header("accept", "application/json, text/event-stream")
        .POST(HttpRequest.BodyPublishers.ofString(body));
    if (headers.length > 0) {
      b.headers(headers);
    }
    return Http.CLIENT.send(b.build(), HttpResponse.BodyHandlers.ofString());
  }
}
