package io.easyremote.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.easyremote.protocol.ErrorCode;
import io.easyremote.protocol.RemoteException;
import io.easyremote.protocol.TypeRef;
import io.easyremote.protocol.internal.Metadata;
import io.easyremote.protocol.wire.Encoding;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

@ExtendWith(FakeGatewayExtension.class)
class ClientCallTest {
  public record Point(int x, int y) {}

  private FakeGateway gateway;
  private Client client;

  @Test
  void call_primitivesAndStrings_decoded() {
    gateway.onCall = FakeGateway.replyJson("3");
    assertThat(client.call("add", Integer.class, 1, 2)).isEqualTo(3);
    assertThat(client.call("add", int.class, 1, 2)).isEqualTo(3);
    assertThat(client.call("add", Long.class, 1, 2)).isEqualTo(3L);
    assertThat(client.call("add", Double.class, 1, 2)).isEqualTo(3.0);
    gateway.onCall = FakeGateway.replyJson("true");
    assertThat(client.call("not", Boolean.class, false)).isTrue();
    gateway.onCall = FakeGateway.replyValue("héllo ☃");
    assertThat(client.call("echo", String.class, "héllo ☃")).isEqualTo("héllo ☃");
  }

  @Test
  void call_collectionsAndRecords_decoded() {
    gateway.onCall = FakeGateway.replyValue(List.of(new Point(0, 0), new Point(1, 1)));
    List<Point> points = client.call("points", new TypeRef<List<Point>>() {}, 2);
    assertThat(points).containsExactly(new Point(0, 0), new Point(1, 1));
    List<?> untyped = client.call("points", List.class, 2);
    assertThat(untyped).hasSize(2).first().isInstanceOf(Map.class);

    gateway.onCall = FakeGateway.replyValue(Map.of("a", 1, "abc", 3));
    assertThat(client.call("lengths", new TypeRef<Map<String, Integer>>() {}, List.of("a", "abc")))
        .containsEntry("a", 1).containsEntry("abc", 3);

    gateway.onCall = FakeGateway.replyValue(new Point(11, 2));
    assertThat(client.call("move", Point.class, new Point(1, 2), 10)).isEqualTo(new Point(11, 2));
    assertThat(FakeGateway.args(gateway.lastRequest()).toString()).isEqualTo("[{\"x\":1,\"y\":2},10]");
  }

  @Test
  void call_nullOrVoid_returnsNull() {
    gateway.onCall = FakeGateway.replyJson("null");
    assertThat(client.call("nothing", String.class)).isNull();
    gateway.onCall = FakeGateway.replyJson("");
    assertThat(client.call("nothing", Point.class)).isNull();
    gateway.onCall = FakeGateway.replyJson("42");
    assertThat(client.call("sideEffect", Void.class)).isNull();
  }

  @Test
  void call_arguments_encodedAsJsonArrayOrEmpty() {
    gateway.onCall = FakeGateway.replyJson("0");
    client.call("none", Integer.class);
    assertThat(gateway.lastRequest().getPayload().getData().isEmpty()).isTrue();
    client.call("oneNull", Integer.class, (Object) null);
    assertThat(gateway.lastRequest().getPayload().getData().toStringUtf8()).isEqualTo("[null]");
    client.call("mixed", Integer.class, "a", 1, List.of(true));
    assertThat(gateway.lastRequest().getPayload().getEncoding()).isEqualTo(Encoding.JSON);
    assertThat(gateway.lastRequest().getPayload().getData().toStringUtf8()).isEqualTo("[\"a\",1,[true]]");
    assertThat(gateway.lastRequest().getFunction()).isEqualTo("mixed");
    assertThat(gateway.lastRequest().getNodeId()).isEmpty();
  }

  @Test
  void call_singleByteArray_roundTripsAsBinary() {
    gateway.onCall = FakeGateway.reverseBinary();
    byte[] reversed = client.call("reverse", byte[].class, (Object) new byte[] {1, 2, 3, (byte) 255});
    assertThat(reversed).containsExactly((byte) 255, 3, 2, 1);
    assertThat(gateway.lastRequest().getPayload().getEncoding()).isEqualTo(Encoding.BINARY);
    assertThat(gateway.lastRequest().getPayload().getData().toByteArray()).containsExactly(1, 2, 3, (byte) 255);
  }

  @Test
  void call_binaryResultAsOtherType_failsNamingTheType() {
    gateway.onCall = FakeGateway.reverseBinary();
    assertThatThrownBy(() -> client.call("reverse", String.class, (Object) new byte[] {1}))
        .isInstanceOfSatisfying(RemoteException.class, e -> {
          assertThat(e.code()).isEqualTo(ErrorCode.INVALID_REQUEST);
          assertThat(e.getMessage()).isEqualTo(
              "reverse returned binary data (1 bytes), which cannot be read as String: declare byte[] to receive binary results");
        });
  }

  @Test
  void call_resultOfWrongType_failsWithInvalidRequestNamingValueAndType() {
    gateway.onCall = FakeGateway.replyJson("3.5");
    assertThatThrownBy(() -> client.call("add", Integer.class, 1, 2))
        .isInstanceOfSatisfying(RemoteException.class, e -> {
          assertThat(e.code()).isEqualTo(ErrorCode.INVALID_REQUEST);
          assertThat(e.getMessage()).startsWith("add returned 3.5, which cannot be read as Integer: ");
          assertThat(e.reachedNode()).isTrue();
          assertThat(e.nodeId()).isEqualTo("node-1");
        });
    gateway.onCall = FakeGateway.replyJson("null");
    assertThatThrownBy(() -> client.call("add", int.class, 1, 2))
        .isInstanceOfSatisfying(RemoteException.class, e ->
            assertThat(e.getMessage()).startsWith("add returned null, which cannot be read as int"));
  }

  @Test
  void callDetailed_reportsNodeAndLatency() {
    gateway.onCall = FakeGateway.replyJson("3");
    CallResult<Integer> result = client.callDetailed("add", Integer.class, 1, 2);
    assertThat(result.value()).isEqualTo(3);
    assertThat(result.nodeId()).isEqualTo("node-1");
    assertThat(result.latency()).isPositive().isLessThan(Duration.ofSeconds(5));
    gateway.onCall = FakeGateway.replyValue(List.of(new Point(1, 2)));
    assertThat(client.callDetailed("points", new TypeRef<List<Point>>() {}, 1).value()).containsExactly(new Point(1, 2));
  }

  @Test
  void callNode_pinsTheNodeInTheRequest() {
    gateway.onCall = FakeGateway.sum();
    assertThat(client.callNode("node-7", "add", Integer.class, 1, 2)).isEqualTo(3);
    assertThat(gateway.lastRequest().getNodeId()).isEqualTo("node-7");
    assertThat(client.callNode("node-8", "add", new TypeRef<Long>() {}, 1, 2)).isEqualTo(3L);
    assertThat(gateway.lastRequest().getNodeId()).isEqualTo("node-8");
  }

  @Test
  void call_metadata_carriesCallerIdAndBearerKey() throws Exception {
    gateway.onCall = FakeGateway.replyJson("1");
    try (Client keyed = Client.builder().gateway(gateway.address()).callerId("svc-a").apiKey("k3y").build()) {
      keyed.call("f", Integer.class);
      assertThat(gateway.lastHeaders().get(Metadata.CALLER)).isEqualTo("svc-a");
      assertThat(gateway.lastHeaders().get(Metadata.AUTHORIZATION)).isEqualTo("Bearer k3y");
      keyed.nodes();
      assertThat(gateway.lastHeaders().get(Metadata.CALLER)).isEqualTo("svc-a");
    }
    client.call("f", Integer.class);
    assertThat(gateway.lastHeaders().get(Metadata.CALLER)).isEqualTo(client.callerId());
    assertThat(gateway.lastHeaders().get(Metadata.AUTHORIZATION)).isNull();
  }

  @Test
  void call_eachCall_carriesTheDeadline() {
    gateway.onCall = FakeGateway.replyJson("1");
    client.call("f", Integer.class);
    assertThat(gateway.deadlinesMillis.get(0)).isBetween(25_000L, 30_000L);
  }
}
