package io.easyremote.node.internal.registry;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.ByteString;
import io.easyremote.protocol.Remote;
import io.easyremote.protocol.wire.Encoding;
import io.easyremote.protocol.wire.Payload;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class ArgumentBinderTest {
  public record Point(int x, int y) {}

  public static final class Functions {
    @Remote
    public int add(int a, int b) {
      return a + b;
    }

    @Remote
    public int sum(List<Point> points) {
      return points.stream().mapToInt(Point::x).sum();
    }

    @Remote
    public String greet(String name, Optional<String> title) {
      return title.map(t -> t + " ").orElse("") + name;
    }

    @Remote
    public int size(Map<String, List<Integer>> groups) {
      return groups.size();
    }

    @Remote
    public int move(Point p) {
      return p.x();
    }

    @Remote
    public int length(byte[] data) {
      return data.length;
    }

    @Remote
    public String exact(java.math.BigDecimal amount, String unit) {
      return amount.toPlainString() + " " + unit;
    }

    @Remote
    public String nothing() {
      return "ok";
    }
  }

  private static RemoteFunction fn(String name) {
    return FunctionScanner.scan(new Functions()).stream().filter(f -> f.name().equals(name)).findFirst().orElseThrow();
  }

  private static Payload json(String text) {
    return Payload.newBuilder().setData(ByteString.copyFromUtf8(text)).build();
  }

  @Test
  void bind_positionalAndNamed_giveTheSameArguments() throws Exception {
    assertThat(fn("add").bind(json("[1, 2]"))).containsExactly(1, 2);
    assertThat(fn("add").bind(json("{\"b\": 2, \"a\": 1}"))).containsExactly(1, 2);
  }

  @Test
  void bind_genericsRecordsAndOptional_convertToDeclaredTypes() throws Exception {
    Object[] args = fn("sum").bind(json("[[{\"x\":1,\"y\":2},{\"x\":3,\"y\":4}]]"));
    assertThat(args[0]).isEqualTo(List.of(new Point(1, 2), new Point(3, 4)));
    assertThat(fn("size").bind(json("[{\"a\":[1,2]}]"))[0]).isEqualTo(Map.of("a", List.of(1, 2)));
    assertThat(fn("greet").bind(json("[\"Ada\", null]"))).containsExactly("Ada", Optional.empty());
    assertThat(fn("move").bind(json("{\"x\":5,\"y\":6}"))).containsExactly(new Point(5, 6));
    assertThat(fn("move").bind(json("{\"p\":{\"x\":5,\"y\":6}}"))).containsExactly(new Point(5, 6));
  }

  @Test
  void bind_positionalDecimals_areReadWithoutATree_soTheyStayExact() throws Exception {
    // A JSON tree holds 1.00000000000000000001 as a double (1.0); read straight into BigDecimal it keeps every digit.
    assertThat(fn("exact").bind(json("[1.00000000000000000001, \"EUR\"]"))[0]).isEqualTo(new java.math.BigDecimal("1.00000000000000000001"));
  }

  @Test
  void bind_positionalValuesReadWithoutATree_matchWhatTheTreeGives() throws Exception {
    String big = "x".repeat(100_000); // past the copy limit: read as a stream
    assertThat(fn("greet").bind(json("[\"" + big + "\", \"Dr\"]"))).containsExactly(big, Optional.of("Dr"));
    assertThat(fn("greet").bind(json("[\"Ada\", \"Dr\"]"))).containsExactly("Ada", Optional.of("Dr"));
    assertThat(fn("nothing").bind(json("[]"))).isEmpty();
    assertThat(fn("sum").bind(json(" [[{\"x\":1,\"y\":2}]]"))[0]).as("leading space: the general path")
        .isEqualTo(List.of(new Point(1, 2)));
    assertThatThrownBy(() -> fn("add").bind(json("[1]"))).as("too few values").isInstanceOf(InvalidArgumentsException.class)
        .hasMessageContaining("got 1");
    assertThatThrownBy(() -> fn("add").bind(json("[1, 2"))).as("unterminated").isInstanceOf(InvalidArgumentsException.class)
        .hasMessageContaining("not valid JSON");
  }

  @Test
  void bind_emptyPayload_meansNoArguments() throws Exception {
    assertThat(fn("nothing").bind(Payload.getDefaultInstance())).isEmpty();
    assertThatThrownBy(() -> fn("add").bind(Payload.getDefaultInstance()))
        .isInstanceOf(InvalidArgumentsException.class)
        .hasMessage("add expects 2 arguments (int a, int b), got 0.");
  }

  @Test
  void bind_wrongArity_namesTheSignature() {
    assertThatThrownBy(() -> fn("add").bind(json("[1, 2, 3]")))
        .isInstanceOf(InvalidArgumentsException.class)
        .hasMessage("add expects 2 arguments (int a, int b), got 3.");
  }

  @Test
  void bind_wrongTypes_nameTheArgument() {
    assertThatThrownBy(() -> fn("add").bind(json("[1, \"two\"]")))
        .hasMessage("add: argument 2 'b' expects int, got \"two\".");
    assertThatThrownBy(() -> fn("add").bind(json("[1.5, 2]")))
        .hasMessage("add: argument 1 'a' expects int, got 1.5.");
    assertThatThrownBy(() -> fn("add").bind(json("[null, 2]")))
        .hasMessage("add: argument 1 'a' expects int, got null.");
    assertThatThrownBy(() -> fn("sum").bind(json("[[{\"x\":\"a\"}]]")))
        .isInstanceOf(InvalidArgumentsException.class)
        .hasMessageStartingWith("sum: argument 1 'points' expects List<Point>");
  }

  @Test
  void bind_namedMistakes_nameTheArgument() {
    assertThatThrownBy(() -> fn("add").bind(json("{\"a\": 1}")))
        .hasMessage("add: missing argument 'b' (int); expects (int a, int b).");
    assertThatThrownBy(() -> fn("add").bind(json("{\"a\": 1, \"b\": 2, \"c\": 3}")))
        .hasMessage("add: unknown argument 'c'; parameters are (int a, int b).");
  }

  @Test
  void bind_malformedJson_saysSo() {
    assertThatThrownBy(() -> fn("add").bind(json("[1, ")))
        .isInstanceOf(InvalidArgumentsException.class)
        .hasMessageStartingWith("add: arguments are not valid JSON:");
  }

  @Test
  void bind_binaryPayload_fillsASingleByteArray() throws Exception {
    Payload raw = Payload.newBuilder().setData(ByteString.copyFrom(new byte[] {1, 2, 3})).setEncoding(Encoding.BINARY).build();
    assertThat((byte[]) fn("length").bind(raw)[0]).containsExactly(1, 2, 3);
    assertThatThrownBy(() -> fn("add").bind(raw)).hasMessageContaining("does not take a single byte[] argument");
  }
}
