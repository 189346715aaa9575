package io.easyremote.node.internal.exec;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import io.easyremote.node.internal.registry.FunctionScanner;
import io.easyremote.node.internal.registry.RemoteFunction;
import io.easyremote.protocol.ErrorCode;
import io.easyremote.protocol.Remote;
import io.easyremote.protocol.internal.Wire;
import io.easyremote.protocol.wire.Invoke;
import io.easyremote.protocol.wire.NodeFrame;
import io.easyremote.protocol.wire.Payload;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The runner answers every invocation exactly once, honours credits, cancellation and deadlines. */
class CallRunnerTest {
  public static final class Functions {
    final AtomicInteger produced = new AtomicInteger();
    final AtomicInteger interrupted = new AtomicInteger();

    @Remote
    public byte[] bytes(int n) {
      return new byte[n];
    }

    @Remote
    public void nothing() {}

    @Remote
    public String sleep(long ms) throws InterruptedException {
      try {
        Thread.sleep(ms);
        return "slept";
      } catch (InterruptedException e) {
        interrupted.incrementAndGet();
        throw e;
      }
    }

    @Remote
    public Stream<Integer> numbers(int n) {
      return IntStream.range(0, n).peek(i -> produced.incrementAndGet()).boxed();
    }

    @Remote
    public Stream<Integer> failsAfter(int n) {
      return IntStream.range(0, n + 1).mapToObj(i -> {
        if (i == n) {
          throw new IllegalStateException("broke at " + n);
        }
        return i;
      });
    }
  }

  private final Functions functions = new Functions();
  private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor();
  private final List<NodeFrame> frames = new CopyOnWriteArrayList<>();
  private final CallRunner runner = new CallRunner("n1",
      FunctionScanner.scan(functions).stream().collect(Collectors.toMap(RemoteFunction::name, Function.identity())), 4,
      FunctionExecutors.create(4), timer);

  @AfterEach
  void stop() {
    timer.shutdownNow();
  }

  private void invoke(long id, String function, String json, int credits, long deadlineMs) {
    runner.invoke(Invoke.newBuilder().setCallId(id).setFunction(function)
        .setPayload(Payload.newBuilder().setData(ByteString.copyFromUtf8(json))).setStreamCredits(credits).setDeadlineMs(deadlineMs).build(),
        frames::add);
  }

  private NodeFrame finalFrame(long id) {
    Awaitility.await().atMost(Duration.ofSeconds(5)).until(() -> frames.stream().anyMatch(f -> isFinal(f, id)));
    return frames.stream().filter(f -> isFinal(f, id)).findFirst().orElseThrow();
  }

  private static boolean isFinal(NodeFrame f, long id) {
    return (f.hasResult() && f.getResult().getCallId() == id) || (f.hasStreamEnd() && f.getStreamEnd().getCallId() == id);
  }

  @Test
  void bytesResult_travelsAsBinary_andVoidAsNull() {
    invoke(1, "bytes", "[3]", 0, 0);
    assertThat(finalFrame(1).getResult().getPayload().getEncoding()).isEqualTo(io.easyremote.protocol.wire.Encoding.BINARY);
    assertThat(finalFrame(1).getResult().getPayload().getData().size()).isEqualTo(3);
    invoke(2, "nothing", "", 0, 0);
    assertThat(finalFrame(2).getResult().getPayload().getData().toStringUtf8()).isEqualTo("null");
  }

  @Test
  void cancel_interruptsTheMethod_andStillAnswersOnce() {
    invoke(3, "sleep", "[5000]", 0, 0);
    Awaitility.await().atMost(Duration.ofSeconds(2)).until(() -> runner.inFlight() == 1);
    runner.cancel(3, ErrorCode.CANCELLED);
    NodeFrame end = finalFrame(3);
    assertThat(Wire.fromWire(end.getResult().getError().getCode())).isEqualTo(ErrorCode.CANCELLED);
    assertThat(functions.interrupted.get()).isEqualTo(1);
    assertThat(frames.stream().filter(f -> isFinal(f, 3)).count()).isEqualTo(1);
  }

  @Test
  void deadline_interruptsTheMethod_withDeadlineExceeded() {
    invoke(4, "sleep", "[5000]", 0, 100);
    NodeFrame end = finalFrame(4);
    assertThat(Wire.fromWire(end.getResult().getError().getCode())).isEqualTo(ErrorCode.DEADLINE_EXCEEDED);
    assertThat(end.getResult().getError().getNodeId()).isEqualTo("n1");
  }

  @Test
  void stream_producesOnlyAsFarAsCredits_thenFinishesWhenGranted() {
    invoke(5, "numbers", "[100]", 10, 0);
    Awaitility.await().atMost(Duration.ofSeconds(2)).until(() -> items(5) == 10);
    Awaitility.await().during(Duration.ofMillis(200)).atMost(Duration.ofSeconds(1)).until(() -> items(5) == 10);
    assertThat(functions.produced.get()).isLessThanOrEqualTo(11);
    runner.credit(5, 90);
    NodeFrame end = finalFrame(5);
    assertThat(end.getStreamEnd().getCount()).isEqualTo(100);
    assertThat(end.getStreamEnd().hasError()).isFalse();
    assertThat(frames.stream().filter(NodeFrame::hasStreamItem).map(f -> f.getStreamItem().getSeq()).collect(Collectors.toList()))
        .isEqualTo(IntStream.rangeClosed(1, 100).mapToObj(i -> (long) i).collect(Collectors.toList()));
  }

  @Test
  void stream_failingMidway_endsWithTheErrorAfterItsItems() {
    invoke(6, "failsAfter", "[3]", 64, 0);
    NodeFrame end = finalFrame(6);
    assertThat(end.getStreamEnd().getCount()).isEqualTo(3);
    assertThat(end.getStreamEnd().getError().getMessage()).isEqualTo("broke at 3");
    assertThat(end.getStreamEnd().getError().getRemoteType()).isEqualTo("java.lang.IllegalStateException");
  }

  @Test
  void unknownFunction_andBadArguments_answerWithNamedErrors() {
    invoke(7, "nope", "[]", 0, 0);
    assertThat(Wire.fromWire(finalFrame(7).getResult().getError().getCode())).isEqualTo(ErrorCode.FUNCTION_NOT_FOUND);
    invoke(8, "sleep", "[\"x\"]", 0, 0);
    assertThat(finalFrame(8).getResult().getError().getMessage()).contains("'ms'");
    assertThat(runner.inFlight()).isZero();
  }

  private long items(long id) {
    return frames.stream().filter(f -> f.hasStreamItem() && f.getStreamItem().getCallId() == id).count();
  }

}
