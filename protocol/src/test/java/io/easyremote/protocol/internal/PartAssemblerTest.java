package io.easyremote.protocol.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.ByteString;
import com.google.protobuf.UnsafeByteOperations;
import org.junit.jupiter.api.Test;

/** Payloads put back together from their parts, with the frame that began them. */
class PartAssemblerTest {
  private final PartAssembler<String> assembler = new PartAssembler<>();

  @Test
  void parts_inOrder_giveTheWholePayloadAndItsHead_once() throws Exception {
    assembler.start(7, "invoke 7", 6, bytes("ab"), 100);
    assertThat(assembler.add(7, bytes("cd"))).isNull();
    PartAssembler.Whole<String> whole = assembler.add(7, bytes("ef"));
    assertThat(whole.head()).isEqualTo("invoke 7");
    assertThat(whole.data().toStringUtf8()).isEqualTo("abcdef");
    assertThat(assembler.add(7, bytes("gh"))).as("nothing is kept once whole").isNull();
    assertThat(assembler.drop(7)).isNull();
  }

  @Test
  void declaredSizes_overTheLimitOrNotPastTheFirstPart_areRefused() {
    assertThatThrownBy(() -> assembler.start(1, "h", 101, bytes("ab"), 100)).isInstanceOf(PartAssembler.Refused.class)
        .hasMessage("the payload is 101 bytes; the limit is 100");
    assertThatThrownBy(() -> assembler.start(1, "h", 2, bytes("ab"), 100)).isInstanceOf(PartAssembler.Refused.class)
        .hasMessageContaining("declares 2 bytes with a first part of 2");
    assertThat(assembler.drop(1)).as("a refused payload is not kept").isNull();
  }

  @Test
  void aPartPastTheDeclaredSize_endsThatPayloadOnly() throws Exception {
    assembler.start(1, "one", 4, bytes("ab"), 100);
    assembler.start(2, "two", 4, bytes("wx"), 100);
    assertThatThrownBy(() -> assembler.add(1, bytes("cde"))).isInstanceOf(PartAssembler.Refused.class)
        .hasMessageContaining("go past its declared 4 bytes");
    assertThat(assembler.add(1, bytes("cd"))).as("the ended payload takes no more parts").isNull();
    assertThat(assembler.add(2, bytes("yz")).data().toStringUtf8()).isEqualTo("wxyz");
  }

  @Test
  void drop_forgetsThePayload_andReturnsItsHead() throws Exception {
    assembler.start(3, "three", 4, bytes("ab"), 100);
    assertThat(assembler.drop(3)).isEqualTo("three");
    assertThat(assembler.add(3, bytes("cd"))).isNull();
    assertThat(assembler.drop(3)).isNull();
  }

  @Test
  void dropUnless_forgetsThePayloadsOfCallsNotKept_only() throws Exception {
    assembler.start(1, "one", 4, bytes("ab"), 100);
    assembler.start(2, "two", 4, bytes("ab"), 100);
    assembler.start(3, "three", 4, bytes("ab"), 100);
    assertThat(assembler.dropUnless(id -> id == 2)).isEqualTo(2);
    assertThat(assembler.size()).isOne();
    assertThat(assembler.add(2, bytes("cd")).head()).isEqualTo("two");
    assertThat(assembler.add(1, bytes("cd"))).isNull();
  }

  @Test
  void largeParts_joinTheWholeWithoutACopy_smallOnesAreCopiedTogether_inOrder() throws Exception {
    int large = PartAssembler.SHARED_MIN_BYTES;
    byte[] first = filled(large, (byte) 1);
    byte[] third = filled(large + 5, (byte) 3);
    assembler.start(9, "nine", large * 2L + 5 + 3, UnsafeByteOperations.unsafeWrap(first), 1 << 20);
    assertThat(assembler.add(9, bytes("ab"))).isNull();
    assertThat(assembler.add(9, UnsafeByteOperations.unsafeWrap(third))).isNull();
    ByteString whole = assembler.add(9, bytes("c")).data();

    byte[] expected = new byte[large * 2 + 5 + 3];
    System.arraycopy(first, 0, expected, 0, large);
    expected[large] = 'a';
    expected[large + 1] = 'b';
    System.arraycopy(third, 0, expected, large + 2, third.length);
    expected[expected.length - 1] = 'c';
    assertThat(whole.toByteArray()).isEqualTo(expected);
    first[0] = 42; // the whole shares the large parts' bytes: they were not copied
    assertThat(whole.byteAt(0)).isEqualTo((byte) 42);
  }

  @Test
  void manyTinyParts_areAssembledInOrder() throws Exception {
    int parts = 3 * PartAssembler.SHARED_MIN_BYTES + 7;
    assembler.start(5, "five", parts + 1, bytes("<"), 1 << 20);
    PartAssembler.Whole<String> whole = null;
    for (int i = 0; i < parts; i++) {
      whole = assembler.add(5, ByteString.copyFrom(new byte[] {(byte) i}));
    }
    assertThat(whole).isNotNull();
    byte[] expected = new byte[parts + 1];
    expected[0] = '<';
    for (int i = 0; i < parts; i++) {
      expected[i + 1] = (byte) i;
    }
    assertThat(whole.data().toByteArray()).isEqualTo(expected);
  }

  private static byte[] filled(int n, byte value) {
    byte[] b = new byte[n];
    java.util.Arrays.fill(b, value);
    return b;
  }

  private static ByteString bytes(String s) {
    return ByteString.copyFromUtf8(s);
  }
}
