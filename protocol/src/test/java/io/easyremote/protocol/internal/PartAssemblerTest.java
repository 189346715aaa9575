package io.easyremote.protocol.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.ByteString;
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

  private static ByteString bytes(String s) {
    return ByteString.copyFromUtf8(s);
  }
}
