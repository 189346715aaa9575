package io.easyremote.testing.http;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.easyremote.protocol.Remote;
import io.easyremote.protocol.Version;
import io.easyremote.protocol.wire.FunctionSpec;
import io.easyremote.protocol.wire.GatewayFrame;
import io.easyremote.protocol.wire.Hello;
import io.easyremote.protocol.wire.NodeFrame;
import io.easyremote.protocol.wire.NodeLinkGrpc;
import io.easyremote.protocol.wire.Parameter;
import io.easyremote.testing.SampleFunctions;
import io.easyremote.testing.TestCluster;
import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import io.grpc.stub.StreamObserver;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/** /openapi.json is valid OpenAPI 3.1 (checked by a real validator), typed from the Java signatures, and follows nodes. */
class OpenApiTest {
  private static final ObjectMapper JSON = new ObjectMapper();

  @RegisterExtension
  static final TestCluster cluster = TestCluster.builder().node("api", n -> n.register(new SampleFunctions("api"))).build();

  @TempDir
  Path dir;

  /** Joins later with a function of its own. */
  public static final class Extra {
    /** Nested value types. */
    public record Inner(String label, List<Integer> values) {}

    /** An outer value with a nested one. */
    public record Outer(String name, Inner inner) {}

    @Remote(description = "Wraps a value")
    public Outer wrap(String name, Inner inner) {
      return new Outer(name, inner);
    }
  }

  private static JsonNode document() throws Exception {
    return JSON.readTree(Http.get(cluster.address(), "/openapi.json").body());
  }

  private void validate(JsonNode document) throws Exception {
    Path root = Path.of("..").toAbsolutePath().normalize();
    Path validator = root.resolve(".tools/node_modules/@readme/openapi-parser");
    assertThat(validator).as("run scripts/install-test-deps.sh first: it installs the OpenAPI validator").exists();
    Path file = dir.resolve("openapi.json");
    Files.write(file, JSON.writeValueAsBytes(document));
    Process p = new ProcessBuilder("node", "scripts/validate-openapi.mjs", file.toString()).directory(root.toFile())
        .redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes());
    assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
    assertThat(p.exitValue()).as(out).isZero();
    assertThat(out).startsWith("valid OpenAPI 3.1.0");
  }

  @Test
  void document_isValidAndTypedFromTheJavaSignatures() throws Exception {
    JsonNode doc = document();
    validate(doc);
    assertThat(doc.get("openapi").asText()).isEqualTo("3.1.0");
    JsonNode add = doc.at("/paths/~1api~1add/post");
    assertThat(add.get("summary").asText()).isEqualTo("Adds two integers");
    JsonNode named = add.at("/requestBody/content/application~1json/schema");
    assertThat(named.at("/properties/a/type").asText()).isEqualTo("integer");
    assertThat(named.at("/properties/a/format").asText()).isEqualTo("int32");
    assertThat(named.get("title").asText()).isEqualTo("add arguments");
    assertThat(doc.at("/paths/~1api~1big/post/requestBody/content/application~1json/schema/properties/value/format").asText())
        .isEqualTo("int64");
    assertThat(doc.at("/paths/~1api~1big/post/responses/200/content/application~1json/schema/format").asText()).isEqualTo("int64");
    assertThat(doc.at("/paths/~1api~1half/post/requestBody/content/application~1json/schema/properties/value/format").asText())
        .isEqualTo("double");
    assertThat(doc.at("/paths/~1api~1points/post/responses/200/content/application~1json/schema/items/properties/x/format").asText())
        .as("formats inside value types too").isEqualTo("int32");
    assertThat(add.get("security").toString()).as("an open gateway needs no key").isEqualTo("[]");
    assertThat(doc.at("/servers/0/url").asText()).isEqualTo("http://" + cluster.address());
    assertThat(named.at("/required").toString()).isEqualTo("[\"a\",\"b\"]");
    assertThat(add.at("/responses/200/content/application~1json/schema/type").asText()).isEqualTo("integer");
    assertThat(doc.at("/paths/~1api~1echo/post/requestBody/content/application~1json/schema/properties/text/type").asText())
        .isEqualTo("string");
    JsonNode points = doc.at("/paths/~1api~1points/post/responses/200/content/application~1json/schema");
    assertThat(points.get("type").asText()).isEqualTo("array");
    assertThat(points.at("/items/properties/x/type").asText()).isEqualTo("integer");
    JsonNode box = doc.at("/paths/~1api~1box/post/requestBody/content/application~1json/schema/properties");
    assertThat(box.at("/label/type").asText()).isEqualTo("string");
    assertThat(box.at("/corners/type").asText()).isEqualTo("array");
    assertThat(box.at("/corners/items/type").asText()).isEqualTo("object");
    assertThat(box.at("/corners/items/properties/x/type").asText()).isEqualTo("integer");
    assertThat(box.at("/corners/items/properties/y/type").asText()).isEqualTo("integer");
    assertThat(doc.at("/paths/~1api~1lengths/post/responses/200/content/application~1json/schema/type").asText()).isEqualTo("object");
    assertThat(doc.at("/paths/~1api~1half/post/requestBody/content/application~1json/schema/properties/value/type").asText())
        .isEqualTo("number");
    assertThat(doc.at("/paths/~1api~1not/post/responses/200/content/application~1json/schema/type").asText()).isEqualTo("boolean");
    JsonNode count = doc.at("/paths/~1api~1count/post/responses/200/content");
    assertThat(count.has("text/event-stream")).isTrue();
    assertThat(count.at("/text~1event-stream/x-item-schema/type").asText()).isEqualTo("integer");
    assertThat(add.at("/responses/404/$ref").asText()).isEqualTo("#/components/responses/Error");
    assertThat(add.at("/responses/429/$ref").asText()).isEqualTo("#/components/responses/Error");
    assertThat(doc.at("/components/schemas/Error/required").toString()).isEqualTo("[\"code\",\"message\"]");
    List<String> paths = new java.util.ArrayList<>();
    doc.get("paths").fieldNames().forEachRemaining(paths::add);
    List<String> expected = cluster.gateway().functions().stream().map(f -> "/api/" + f.name()).toList();
    assertThat(paths).containsExactlyInAnyOrderElementsOf(expected);
  }

  @Test
  void schemasWithLocalDefinitions_stayValidOnceEmbedded() throws Exception {
    // Nodes written in other languages may send $defs and $ref; the document hoists them into components.
    String tree = "{\"$ref\":\"#/$defs/Node\",\"$defs\":{\"Node\":{\"type\":\"object\",\"properties\":"
        + "{\"name\":{\"type\":\"string\"},\"children\":{\"type\":\"array\",\"items\":{\"$ref\":\"#/$defs/Node\"}}}}}}";
    FunctionSpec walk = FunctionSpec.newBuilder().setName("walk").setResultSchema(tree)
        .addParameters(Parameter.newBuilder().setName("root").setType("Node").setSchema(tree)).build();
    ManagedChannel channel = ManagedChannelBuilder.forTarget(cluster.address()).usePlaintext().build();
    LinkedBlockingQueue<GatewayFrame> received = new LinkedBlockingQueue<>();
    StreamObserver<NodeFrame> python = NodeLinkGrpc.newStub(channel).connect(new StreamObserver<>() {
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
      python.onNext(NodeFrame.newBuilder().setHello(Hello.newBuilder().setNodeId("py-1").setVersion(Version.CURRENT)
          .setMaxConcurrency(1).addFunctions(walk)).build());
      assertThat(received.poll(5, TimeUnit.SECONDS).hasWelcome()).isTrue();
      Awaitility.await().atMost(java.time.Duration.ofSeconds(5)).until(() -> document().at("/paths").has("/api/walk"));
      validate(document());
    } finally {
      python.onCompleted();
      channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    }
    Awaitility.await().atMost(java.time.Duration.ofSeconds(5)).until(() -> !document().at("/paths").has("/api/walk"));
  }

  @Test
  void document_followsNodesJoiningAndLeaving() throws Exception {
    assertThat(document().at("/paths").has("/api/wrap")).isFalse();
    cluster.startNode("extra", n -> n.register(new Extra()));
    Awaitility.await().atMost(java.time.Duration.ofSeconds(5)).until(() -> document().at("/paths").has("/api/wrap"));
    JsonNode doc = document();
    validate(doc);
    JsonNode inner = doc.at("/paths/~1api~1wrap/post/requestBody/content/application~1json/schema/properties/inner");
    assertThat(inner.at("/properties/values/type").asText()).isEqualTo("array");
    assertThat(inner.at("/properties/values/items/type").asText()).isEqualTo("integer");
    assertThat(doc.at("/paths/~1api~1wrap/post/responses/200/content/application~1json/schema/properties/inner/properties/label/type").asText())
        .isEqualTo("string");
    cluster.stopNode("extra");
    Awaitility.await().atMost(java.time.Duration.ofSeconds(5)).until(() -> !document().at("/paths").has("/api/wrap"));
  }
}
