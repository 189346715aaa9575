package io.easyremote.gateway.internal.grpc;

import static io.easyremote.gateway.internal.grpc.RawCallChannel.PART;
import static io.easyremote.gateway.internal.grpc.RawCallChannel.call;
import static io.easyremote.gateway.internal.grpc.RawCallChannel.part;
import static io.easyremote.gateway.internal.grpc.RawCallChannel.uploadHead;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.easyremote.protocol.ErrorCode;
import io.easyremote.protocol.wire.ChannelRequest;
import java.time.Duration;
import java.util.stream.LongStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * A call whose arguments come in parts on a call channel ends at its deadline even when its parts
 * stop coming: nothing else would answer it, free its upload slot or let a half-closed stream end.
 */
class ChannelUploadDeadlineTest {
  @RegisterExtension
  final LoopbackGateway loopback = new LoopbackGateway();

  @Test
  void upload_partsStop_isAnsweredDeadlineExceededAndTheChannelKeepsServing() {
    RawCallChannel channel = new RawCallChannel(loopback.gateway());
    channel.out.onNext(uploadHead(1, "anything", 300, 2 * PART)); // the second part never comes

    assertThat(channel.awaitAnswer(1)).isEqualTo(ErrorCode.DEADLINE_EXCEEDED);
    assertThat(channel.answers.get(1L).getReply().getError().getMessage()).contains("still coming in parts");

    channel.out.onNext(call(2, "nobodyOffersThis", 5_000));
    assertThat(channel.awaitAnswer(2)).isEqualTo(ErrorCode.FUNCTION_NOT_FOUND);
    assertThat(channel.ended).isNotDone();
  }

  @Test
  void uploads_stalledPastTheirDeadline_freeTheirSlotsForTheNextLargeCall() {
    RawCallChannel channel = new RawCallChannel(loopback.gateway());
    long slots = ChannelCalls.MAX_ASSEMBLING;
    LongStream.rangeClosed(1, slots).forEach(id -> channel.out.onNext(uploadHead(id, "anything", 200, 2 * PART)));
    LongStream.rangeClosed(1, slots).forEach(id -> assertThat(channel.awaitAnswer(id)).isEqualTo(ErrorCode.DEADLINE_EXCEEDED));

    // A well-formed large call, sent whole in two parts: scheduled (and unknown), not OVERLOADED.
    channel.out.onNext(uploadHead(100, "nobodyOffersThis", 5_000, 2 * PART));
    channel.out.onNext(part(100, PART));
    assertThat(channel.awaitAnswer(100)).isEqualTo(ErrorCode.FUNCTION_NOT_FOUND);
  }

  @Test
  void halfClosedStream_withAStalledUpload_endsNormallyAfterItsDeadline() throws Exception {
    RawCallChannel channel = new RawCallChannel(loopback.gateway());
    channel.out.onNext(uploadHead(1, "anything", 300, 2 * PART));
    channel.out.onCompleted(); // the caller will send nothing more

    await("the end of the stream").atMost(Duration.ofSeconds(5)).until(channel.ended::isDone);
    assertThat(channel.ended.get()).as("the stream ended normally").isNull();
    assertThat(channel.awaitAnswer(1)).isEqualTo(ErrorCode.DEADLINE_EXCEEDED);
  }

  @Test
  void upload_cancelledWhileItsPartsCome_isAnsweredOnceCancelled_notAgainAtItsDeadline() {
    RawCallChannel channel = new RawCallChannel(loopback.gateway());
    channel.out.onNext(uploadHead(1, "anything", 300, 2 * PART));
    channel.out.onNext(ChannelRequest.newBuilder().setCancel(1).build());
    assertThat(channel.awaitAnswer(1)).isEqualTo(ErrorCode.CANCELLED);

    // The id is free again: a new upload under it is not ended by the first one's deadline task.
    channel.answers.clear();
    channel.out.onNext(uploadHead(1, "nobodyOffersThis", 5_000, 2 * PART));
    await().during(Duration.ofMillis(600)).atMost(Duration.ofSeconds(2)).until(() -> !channel.answers.containsKey(1L));
    channel.out.onNext(part(1, PART));
    assertThat(channel.awaitAnswer(1)).isEqualTo(ErrorCode.FUNCTION_NOT_FOUND);
  }
}
