package io.easyremote.protocol.internal;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import io.easyremote.protocol.wire.NodeFrame;
import io.easyremote.protocol.wire.NodeFrames;
import io.easyremote.protocol.wire.Payload;
import io.easyremote.protocol.wire.Result;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class FramePackerTest {
  private final List<NodeFrame> written = new ArrayList<>();
  private final FramePacker<NodeFrame> packer = new FramePacker<>(
      frames -> NodeFrame.newBuilder().setBatch(NodeFrames.newBuilder().addAllFrames(frames)).build(), written::add);

  private static NodeFrame result(long id, int payloadBytes) {
    return NodeFrame.newBuilder().setResult(Result.newBuilder().setCallId(id)
        .setPayload(Payload.newBuilder().setData(ByteString.copyFrom(new byte[payloadBytes])))).build();
  }

  /** The call ids of what was written, in order, with packs opened. */
  private List<Long> ids() {
    List<Long> ids = new ArrayList<>();
    for (NodeFrame frame : written) {
      if (frame.hasBatch()) {
        frame.getBatch().getFramesList().forEach(f -> ids.add(f.getResult().getCallId()));
      } else {
        ids.add(frame.getResult().getCallId());
      }
    }
    return ids;
  }

  @Test
  void oneFrame_isWrittenAsItself_notAsAPackOfOne() {
    packer.add(result(1, 10));
    assertThat(written).isEmpty();
    packer.flush();
    assertThat(written).containsExactly(result(1, 10));
    packer.flush();
    assertThat(written).as("a second flush writes nothing").hasSize(1);
  }

  @Test
  void framesAddedTogether_goAsOnePack_inOrder() {
    for (long id = 1; id <= 100; id++) {
      packer.add(result(id, 32));
    }
    packer.flush();
    assertThat(written).hasSize(1);
    assertThat(written.get(0).getBatch().getFramesCount()).isEqualTo(100);
    assertThat(ids()).hasSize(100).isSorted();
  }

  @Test
  void packs_neverHoldMoreThanTheirLimit_andKeepOrderAcrossPacks() {
    for (long id = 1; id <= 40; id++) {
      packer.add(result(id, 8 * 1024));
    }
    packer.flush();
    assertThat(written).hasSizeGreaterThan(4);
    assertThat(written).allSatisfy(frame -> assertThat(frame.getSerializedSize())
        .isLessThanOrEqualTo(FramePacker.MAX_PACK_BYTES + 64)); // a pack adds a few bytes of framing to its frames
    assertThat(ids()).hasSize(40).isSorted();
  }

  @Test
  void aFrameLargerThanAPack_isWrittenAlone_inItsPlace() {
    packer.add(result(1, 10));
    packer.add(result(2, 10));
    packer.add(result(3, FramePacker.MAX_PACK_BYTES + 1));
    packer.add(result(4, 10));
    packer.flush();
    assertThat(written).hasSize(3);
    assertThat(written.get(0).getBatch().getFramesCount()).isEqualTo(2);
    assertThat(written.get(1).getResult().getCallId()).isEqualTo(3);
    assertThat(written.get(2).getResult().getCallId()).isEqualTo(4);
  }

  @Test
  void withoutAPackFunction_eachFrameIsWrittenAsItIsAdded() {
    List<NodeFrame> plain = new ArrayList<>();
    FramePacker<NodeFrame> passThrough = new FramePacker<>(null, plain::add);
    passThrough.add(result(1, 10));
    passThrough.add(NodeFrame.newBuilder().setResult(Result.newBuilder().setCallId(2)).build());
    assertThat(plain).hasSize(2);
    passThrough.flush();
    assertThat(plain).hasSize(2);
  }
}
