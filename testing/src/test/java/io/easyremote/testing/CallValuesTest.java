package io.easyremote.testing;

import static org.assertj.core.api.Assertions.assertThat;

import io.easyremote.client.Client;
import io.easyremote.protocol.TypeRef;
import io.easyremote.testing.SampleFunctions.Box;
import io.easyremote.testing.SampleFunctions.Point;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Values of every kind survive the trip client → gateway → node → back, by name, async and through a proxy. */
class CallValuesTest {
  @RegisterExtension
  static final TestCluster cluster = TestCluster.builder()
      .node("values", node -> node.register(new SampleFunctions("values")))
      .build();

  /** The typed view of the same functions, as a user would declare it. */
  public interface Samples {
    int add(int a, int b);

    double half(double value);

    boolean not(boolean value);

    long big(long value);

    String echo(String text);

    List<Integer> range(int n);

    Map<String, Integer> lengths(List<String> words);

    Point move(Point p, int dx);

    List<Point> points(int n);

    Box box(String label, List<Point> corners);

    String nothing();

    String orDefault(String value);

    CompletableFuture<Integer> add(long a, long b);

    @io.easyremote.protocol.Remote(name = "points")
    CompletableFuture<List<Point>> pointsAsync(int n);
  }

  @Test
  void call_primitivesAndStrings_roundTrip() {
    Client client = cluster.client();
    assertThat(client.call("add", Integer.class, 2, 3)).isEqualTo(5);
    assertThat(client.call("half", Double.class, 5.0)).isEqualTo(2.5);
    assertThat(client.call("not", Boolean.class, true)).isFalse();
    assertThat(client.call("big", Long.class, 4_000_000_000L)).isEqualTo(8_000_000_000L);
    assertThat(client.call("echo", String.class, "héllo ☃")).isEqualTo("héllo ☃");
  }

  @Test
  void call_collectionsRecordsAndPojos_roundTrip() {
    Client client = cluster.client();
    assertThat(client.call("range", new TypeRef<List<Integer>>() {}, 4)).containsExactly(0, 1, 2, 3);
    assertThat(client.call("lengths", new TypeRef<Map<String, Integer>>() {}, List.of("a", "abc")))
        .containsExactly(Map.entry("a", 1), Map.entry("abc", 3));
    assertThat(client.call("move", Point.class, new Point(1, 2), 10)).isEqualTo(new Point(11, 2));
    List<Point> points = client.call("points", new TypeRef<List<Point>>() {}, 3);
    assertThat(points).containsExactly(new Point(0, 0), new Point(1, 1), new Point(2, 4));
    Box box = client.call("box", Box.class, "square", List.of(new Point(0, 0), new Point(1, 1)));
    assertThat(box.getLabel()).isEqualTo("square");
    assertThat(box.getCorners()).containsExactly(new Point(0, 0), new Point(1, 1));
  }

  @Test
  void call_nulls_travelBothWays() {
    Client client = cluster.client();
    assertThat(client.call("nothing", String.class)).isNull();
    assertThat(client.call("orDefault", String.class, (Object) null)).isEqualTo("default");
  }

  @Test
  void call_bytes_travelRaw() {
    byte[] reversed = cluster.client().call("reverse", byte[].class, (Object) new byte[] {1, 2, 3, (byte) 255});
    assertThat(reversed).containsExactly((byte) 255, 3, 2, 1);
  }

  @Test
  void callAsync_genericResult_completes() throws Exception {
    CompletableFuture<List<Point>> future = cluster.client().callAsync("points", new TypeRef<List<Point>>() {}, 2);
    assertThat(future.get(5, TimeUnit.SECONDS)).containsExactly(new Point(0, 0), new Point(1, 1));
    assertThat(cluster.client().callAsync("add", Integer.class, 20, 22).get(5, TimeUnit.SECONDS)).isEqualTo(42);
  }

  @Test
  void proxy_everyKindOfValue_roundTrips() throws Exception {
    Samples samples = cluster.client().proxy(Samples.class);
    assertThat(samples.add(1, 2)).isEqualTo(3);
    assertThat(samples.half(3)).isEqualTo(1.5);
    assertThat(samples.not(false)).isTrue();
    assertThat(samples.big(21)).isEqualTo(42);
    assertThat(samples.echo("hi")).isEqualTo("hi");
    assertThat(samples.range(2)).containsExactly(0, 1);
    assertThat(samples.lengths(List.of("xy"))).containsEntry("xy", 2);
    assertThat(samples.move(new Point(0, 1), 1)).isEqualTo(new Point(1, 1));
    assertThat(samples.points(2)).containsExactly(new Point(0, 0), new Point(1, 1));
    assertThat(samples.box("b", List.of()).getLabel()).isEqualTo("b");
    assertThat(samples.nothing()).isNull();
    assertThat(samples.orDefault(null)).isEqualTo("default");
    assertThat(samples.add(40L, 2L).get(5, TimeUnit.SECONDS)).isEqualTo(42);
    assertThat(samples.pointsAsync(1).get(5, TimeUnit.SECONDS)).containsExactly(new Point(0, 0));
  }

  @Test
  void functions_listsWhatTheNodeRegistered() {
    assertThat(cluster.client().functions()).extracting(f -> f.name()).contains("add", "points", "whoami");
    assertThat(cluster.client().functions()).filteredOn(f -> f.name().equals("add")).singleElement()
        .satisfies(f -> {
          assertThat(f.description()).isEqualTo("Adds two integers");
          assertThat(f.idempotent()).isTrue();
          assertThat(f.nodeIds()).containsExactly("values");
          assertThat(f.parameters()).extracting(p -> p.name()).containsExactly("a", "b");
        });
  }
}
