package io.easyremote.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.easyremote.protocol.ErrorCode;
import io.easyremote.protocol.Remote;
import io.easyremote.protocol.RemoteException;
import io.easyremote.protocol.internal.Wire;
import java.time.Duration;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Flow;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

@ExtendWith(FakeGatewayExtension.class)
public class ClientProxyTest {
  public record Point(int x, int y) {}

  public interface Calculator {
    int add(int a, int b);

    @Remote(name = "add")
    CompletableFuture<Integer> addLater(int a, int b);

    @Remote(name = "points")
    List<Point> pointsOf(int n);

    void reset();

    default int twice(int a) {
      return add(a, a);
    }

    @Override
    String toString();
  }

  public interface Base {
    int add(int a, int b);
  }

  public interface Derived extends Base {
    default int inc(int a) {
      return add(a, 1);
    }
  }

  interface RawFuture {
    @SuppressWarnings("rawtypes")
    CompletableFuture add(int a, int b);
  }

  interface Stage {
    CompletionStage<Integer> add(int a, int b);
  }

  @SuppressWarnings("rawtypes")
  interface Streaming {
    Stream tokens(String prompt);
  }

  @SuppressWarnings("rawtypes")
  interface Iterating {
    Iterator tokens(String prompt);
  }

  interface Publishing {
    Flow.Publisher<? extends java.util.List<?>> tokens(String prompt);
  }

  public interface Streams {
    Stream<Integer> numbers(int n);

    @Remote(name = "numbers")
    Iterator<Integer> iterate(int n);

    @Remote(name = "numbers")
    Flow.Publisher<Integer> publish(int n);

    @Remote(name = "numbers")
    ResultStream<Integer> open(int n);
  }

  @SuppressWarnings("rawtypes")
  interface RawPublisher {
    Flow.Publisher tokens(String prompt);
  }

  @SuppressWarnings("rawtypes")
  interface RawResultStream {
    ResultStream tokens(String prompt);
  }

  interface OtherStream {
    java.util.stream.IntStream tokens(String prompt);
  }

  interface Generic {
    <T> T any(String x);
  }

  interface Typed<T> {
    T get();
  }

  interface BadName {
    @Remote(name = "no spaces allowed")
    int add(int a, int b);
  }

  interface HiddenDefault {
    int add(int a, int b);

    default int twice(int a) {
      return add(a, a);
    }
  }

  private FakeGateway gateway;
  private Client client;

  @Test
  void proxy_syncMethod_callsTheFunctionOfItsName() {
    gateway.onCall = FakeGateway.sum();
    Calculator calc = client.proxy(Calculator.class);
    assertThat(calc.add(1, 2)).isEqualTo(3);
    assertThat(gateway.lastRequest().getFunction()).isEqualTo("add");
    assertThat(gateway.lastRequest().getPayload().getData().toStringUtf8()).isEqualTo("[1,2]");
  }

  @Test
  void proxy_futureMethod_isAsyncAndUsesRemoteName() throws Exception {
    gateway.onCall = FakeGateway.sum();
    Calculator calc = client.proxy(Calculator.class);
    assertThat(calc.addLater(20, 22).get(5, TimeUnit.SECONDS)).isEqualTo(42);
    assertThat(gateway.lastRequest().getFunction()).isEqualTo("add");

    gateway.onCall = FakeGateway.hang();
    CompletableFuture<Integer> pending = calc.addLater(1, 1);
    Awaitility.await().atMost(Duration.ofSeconds(5)).until(() -> gateway.requests.size() == 2);
    pending.cancel(true);
    Awaitility.await().atMost(Duration.ofSeconds(2)).until(() -> gateway.cancelled.get() == 1);
  }

  @Test
  void proxy_genericResultAndVoid_decoded() {
    gateway.onCall = FakeGateway.replyValue(List.of(new Point(0, 0), new Point(1, 1)));
    Calculator calc = client.proxy(Calculator.class);
    assertThat(calc.pointsOf(2)).containsExactly(new Point(0, 0), new Point(1, 1));
    assertThat(gateway.lastRequest().getFunction()).isEqualTo("points");
    calc.reset();
    assertThat(gateway.lastRequest().getFunction()).isEqualTo("reset");
    assertThat(gateway.lastRequest().getPayload().getData().isEmpty()).isTrue();
  }

  @Test
  void proxy_defaultMethod_runsLocally() {
    gateway.onCall = FakeGateway.sum();
    assertThat(client.proxy(Calculator.class).twice(21)).isEqualTo(42);
    assertThat(gateway.requests).hasSize(1);
    assertThat(client.proxy(Derived.class).inc(41)).isEqualTo(42);
  }

  @Test
  void proxy_remoteFailure_thrownDirectly() {
    gateway.onCall = FakeGateway.replyError(Wire.error(ErrorCode.FUNCTION_NOT_FOUND, "Unknown function 'add'."));
    Calculator calc = client.proxy(Calculator.class);
    assertThatThrownBy(() -> calc.add(1, 2))
        .isInstanceOfSatisfying(RemoteException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.FUNCTION_NOT_FOUND));
  }

  @Test
  void proxy_objectMethods_behaveLocally() {
    Calculator calc = client.proxy(Calculator.class);
    Calculator other = client.proxy(Calculator.class);
    assertThat(calc).isEqualTo(calc).isNotEqualTo(other);
    assertThat(calc.hashCode()).isEqualTo(System.identityHashCode(calc));
    assertThat(calc.toString()).contains("Calculator").contains(gateway.address());
    assertThat(gateway.requests).isEmpty();
  }

  @Test
  void proxy_withDeadline_appliesTheDerivedDeadline() {
    gateway.onCall = FakeGateway.sum();
    client.withDeadline(Duration.ofMillis(800)).proxy(Calculator.class).add(1, 1);
    assertThat(gateway.deadlinesMillis.get(0)).isBetween(1L, 800L);
  }

  @Test
  void proxy_streamingMethods_streamThroughEveryShape() throws Exception {
    gateway.onStream = FakeGateway.numbers();
    Streams streams = client.proxy(Streams.class);
    try (Stream<Integer> numbers = streams.numbers(100)) {
      assertThat(numbers.mapToInt(Integer::intValue).sum()).isEqualTo(4950);
    }
    Iterator<Integer> it = streams.iterate(3);
    assertThat(it.next()).isZero();
    assertThat(it.next()).isEqualTo(1);
    assertThat(it.next()).isEqualTo(2);
    assertThat(it.hasNext()).isFalse();
    try (ResultStream<Integer> open = streams.open(2)) {
      assertThat(open.stream().toList()).containsExactly(0, 1);
      assertThat(open.nodeId()).isEqualTo("node-1");
    }
    assertThat(gateway.streamRequests).hasSize(3).allSatisfy(r -> assertThat(r.getFunction()).isEqualTo("numbers"));

    Flow.Publisher<Integer> publisher = streams.publish(5);
    assertThat(gateway.streamRequests).as("a publisher is cold: nothing starts before a subscriber").hasSize(3);
    for (int round = 0; round < 2; round++) {
      ClientStreamTest.Recorder recorder = new ClientStreamTest.Recorder(2);
      publisher.subscribe(recorder);
      recorder.done.get(5, TimeUnit.SECONDS);
      assertThat(recorder.items).containsExactly(0, 1, 2, 3, 4);
    }
    assertThat(gateway.streamRequests).as("one call per subscriber").hasSize(5);
  }

  @Test
  void proxy_streamingMethod_badArgumentsFailWhenCalled() {
    Streams streams = client.withDeadline(Duration.ofSeconds(1)).proxy(Streams.class);
    try (Client tiny = Client.builder().gateway(gateway.address()).maxPayloadBytes(1).build()) {
      Streams small = tiny.proxy(Streams.class);
      assertThatThrownBy(() -> small.numbers(100))
          .isInstanceOfSatisfying(RemoteException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.PAYLOAD_TOO_LARGE));
      assertThatThrownBy(() -> small.publish(100))
          .isInstanceOfSatisfying(RemoteException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.PAYLOAD_TOO_LARGE));
    }
    assertThat(streams.toString()).contains("Streams");
    assertThat(gateway.streamRequests).isEmpty();
  }

  @Test
  void proxy_invalidInterfaces_failNamingTheMethod() {
    assertThatThrownBy(() -> client.proxy(String.class))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("Client.proxy needs an interface; java.lang.String is a class");
    assertThatThrownBy(() -> client.proxy(RawFuture.class))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("RawFuture.add returns raw CompletableFuture; declare its result type, e.g. CompletableFuture<Integer>");
    assertThatThrownBy(() -> client.proxy(Stage.class))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith("Stage.add returns CompletionStage; declare CompletableFuture<T>");
    assertThatThrownBy(() -> client.proxy(Streaming.class))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("Streaming.tokens returns raw Stream; declare its item type, e.g. Stream<String>");
    assertThatThrownBy(() -> client.proxy(Iterating.class))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("Iterating.tokens returns raw Iterator; declare its item type, e.g. Iterator<String>");
    assertThatThrownBy(() -> client.proxy(RawPublisher.class))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("RawPublisher.tokens returns raw Flow.Publisher; declare its item type, e.g. Flow.Publisher<String>");
    assertThatThrownBy(() -> client.proxy(RawResultStream.class))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("RawResultStream.tokens returns raw ResultStream; declare its item type, e.g. ResultStream<String>");
    assertThatThrownBy(() -> client.proxy(OtherStream.class))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith("OtherStream.tokens returns java.util.stream.IntStream; a streaming method must return Stream<T>");
    assertThatThrownBy(() -> client.proxy(Publishing.class))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith("Publishing.tokens returns a wildcard type");
    assertThatThrownBy(() -> client.proxy(Generic.class))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith("Generic.any returns type variable T");
    assertThatThrownBy(() -> client.proxy(Typed.class))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith("Typed declares type parameters [T]");
    assertThatThrownBy(() -> client.proxy(BadName.class))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith("BadName.add calls an invalid function name: function name 'no spaces allowed'");
    assertThatThrownBy(() -> client.proxy(HiddenDefault.class))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith("HiddenDefault.twice is a default method of a non-public interface");
  }
}
