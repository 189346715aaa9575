package io.easyremote.gateway.internal.grpc;

import static io.easyremote.gateway.internal.grpc.RawCallChannel.PART;
import static io.easyremote.gateway.internal.grpc.RawCallChannel.call;
import static io.easyremote.gateway.internal.grpc.RawCallChannel.part;
import static io.easyremote.gateway.internal.grpc.RawCallChannel.uploadHead;
import static org.assertj.core.api.Assertions.assertThat;

import io.easyremote.protocol.ErrorCode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * A {@code deadline_ms} too large for nanoseconds (over 292 years) is taken as the longest
 * deadline there is: the call is served, and the stream with the caller's other calls keeps going.
 * The answer {@code FUNCTION_NOT_FOUND} shows the call got past the deadline check and was routed.
 */
class ChannelDeadlineOverflowTest {
  @RegisterExtension
  final LoopbackGateway loopback = new LoopbackGateway();

  @Test
  void call_deadlineTooLargeForNanoseconds_isServedAndTheChannelKeepsServing() {
    RawCallChannel channel = new RawCallChannel(loopback.gateway());
    channel.out.onNext(call(1, "nobodyOffersThis", Long.MAX_VALUE));
    channel.out.onNext(call(2, "nobodyOffersThis", 5_000));

    assertThat(channel.awaitAnswer(1)).isEqualTo(ErrorCode.FUNCTION_NOT_FOUND);
    assertThat(channel.awaitAnswer(2)).isEqualTo(ErrorCode.FUNCTION_NOT_FOUND);
    assertThat(channel.ended).as("the call channel is still open").isNotDone();
  }

  @Test
  void upload_deadlineTooLargeForNanoseconds_isServedOnceItsPartsCame() {
    RawCallChannel channel = new RawCallChannel(loopback.gateway());
    channel.out.onNext(uploadHead(1, "nobodyOffersThis", Long.MAX_VALUE, 2 * PART));
    channel.out.onNext(part(1, PART));

    assertThat(channel.awaitAnswer(1)).isEqualTo(ErrorCode.FUNCTION_NOT_FOUND);
    assertThat(channel.ended).as("the call channel is still open").isNotDone();
  }
}
