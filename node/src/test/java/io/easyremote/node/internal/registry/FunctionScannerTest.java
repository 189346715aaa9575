package io.easyremote.node.internal.registry;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.easyremote.node.Emitter;
import io.easyremote.protocol.Remote;
import io.easyremote.protocol.wire.FunctionSpec;
import io.easyremote.protocol.wire.Visibility;
import java.util.Iterator;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

class FunctionScannerTest {
  public record Point(int x, int y) {}

  public static final class Annotated {
    @Remote(description = "Adds", idempotent = true, timeoutMillis = 500, isPublic = true)
    public int add(int a, int b) {
      return a + b;
    }

    @Remote(name = "pts")
    public List<Point> points(int n) {
      return List.of();
    }

    @Remote
    public Stream<String> tokens(String text) {
      return Stream.of(text.split(" "));
    }

    @Remote
    public Iterator<Integer> count(int n) {
      return List.of(1).iterator();
    }

    @Remote
    public void progress(int steps, Emitter<Integer> out) {}

    @Remote
    public void reset() {}

    public int notRemote() {
      return 0;
    }
  }

  public static final class Overloaded {
    @Remote
    public int f(int a) {
      return a;
    }

    @Remote
    public int f(String a) {
      return 0;
    }
  }

  public static final class Empty {
    public int f() {
      return 0;
    }
  }

  private static FunctionSpec spec(String name) {
    return FunctionScanner.scan(new Annotated()).stream().filter(f -> f.name().equals(name)).findFirst().orElseThrow().spec();
  }

  @Test
  void scan_readsAnnotationsIntoTheSpec() {
    FunctionSpec add = spec("add");
    assertThat(add.getDescription()).isEqualTo("Adds");
    assertThat(add.getIdempotent()).isTrue();
    assertThat(add.getDefaultTimeoutMs()).isEqualTo(500);
    assertThat(add.getVisibility()).isEqualTo(Visibility.PUBLIC);
    assertThat(add.getParametersList()).extracting(p -> p.getName()).containsExactly("a", "b");
    assertThat(add.getParameters(0).getSchema()).contains("\"integer\"");
    assertThat(add.getStreaming()).isFalse();
  }

  @Test
  void scan_namesSchemasAndStreamingKinds() {
    assertThat(FunctionScanner.scan(new Annotated())).extracting(RemoteFunction::name)
        .containsExactlyInAnyOrder("add", "pts", "tokens", "count", "progress", "reset");
    assertThat(spec("pts").getResultSchema()).contains("\"array\"").contains("\"x\"").contains("\"y\"");
    assertThat(spec("tokens").getStreaming()).isTrue();
    assertThat(spec("count").getStreaming()).isTrue();
    assertThat(spec("progress").getStreaming()).isTrue();
    assertThat(spec("progress").getParametersList()).extracting(p -> p.getName()).containsExactly("steps");
    assertThat(spec("tokens").getResultSchema()).contains("\"string\"");
    assertThat(spec("reset").getResultSchema()).isEqualTo("{\"type\":\"null\"}");
  }

  @Test
  void scan_overloadedName_failsNamingBothMethods() {
    assertThatThrownBy(() -> FunctionScanner.scan(new Overloaded()))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("'f' is declared twice")
        .hasMessageContaining("f(int)")
        .hasMessageContaining("f(String)");
  }

  @Test
  void scan_noRemoteMethods_failsNamingTheClass() {
    assertThatThrownBy(() -> FunctionScanner.scan(new Empty()))
        .hasMessageContaining("FunctionScannerTest$Empty has no public @Remote methods");
  }

  @Test
  void fromLambda_invalidName_isRejected() {
    assertThatThrownBy(() -> FunctionScanner.fromLambda("bad name", String.class, s -> s))
        .hasMessageContaining("Invalid function name");
  }
}
