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
import io.easyremote.protocol.wire.Result;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Slot accounting under every way a call can end: a call cancelled (by the gateway, its deadline,
 * a dropped link or a drain) while it still waits for an executor thread never runs, is answered
 * at once and frees its slot; a node answers {@code OVERLOADED} only when every slot is taken.
 */
class CallRunnerSlotsTest {
  /** Functions that count their runs. */
  public static final class Functions {
    final AtomicInteger runs = new AtomicInteger();

    @Remote
    public String block() throws InterruptedException {
      runs.incrementAndGet();
      new CountDownLatch(1).await();
      return "unreachable";
    }

    @Remote
    public String echo(String s) {
      runs.incrementAndGet();
      return s;
    }
  }

  private final Functions functions = new Functions();
  private final Map<String, RemoteFunction> byName =
      FunctionScanner.scan(functions).stream().collect(Collectors.toMap(RemoteFunction::name, Function.identity()));
  private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor();
  private final List<NodeFrame> frames = new CopyOnWriteArrayList<>();
  private final CountDownLatch gate = new CountDownLatch(1);
  private ExecutorService executor;

  @AfterEach
  void stop() {
    gate.countDown();
    timer.shutdownNow();
    if (executor != null) {
      executor.shutdownNow();
    }
  }

  /** A runner whose executor has {@code threads} threads, each held by the gate until it opens. */
  private CallRunner heldRunner(int slots, int threads) {
    executor = Executors.newFixedThreadPool(threads);
    for (int i = 0; i < threads; i++) {
      executor.execute(() -> {
        try {
          gate.await();
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
      });
    }
    return new CallRunner("n1", byName, slots, executor, timer);
  }

  private void invoke(CallRunner runner, long id, String function, long deadlineMs) {
    runner.invoke(invokeFrame(id, function, deadlineMs), frames::add);
  }

  private static Invoke invokeFrame(long id, String function, long deadlineMs) {
    String json = function.equals("echo") ? "[\"hi\"]" : "[]";
    return Invoke.newBuilder().setCallId(id).setFunction(function)
        .setPayload(Payload.newBuilder().setData(ByteString.copyFromUtf8(json))).setDeadlineMs(deadlineMs).build();
  }

  private Result result(long id) {
    Awaitility.await("answer to call " + id).atMost(Duration.ofSeconds(5)).pollInterval(Duration.ofMillis(5))
        .until(() -> answer(id) != null);
    return answer(id);
  }

  private Result answer(long id) {
    return frames.stream().filter(f -> f.hasResult() && f.getResult().getCallId() == id).map(NodeFrame::getResult).findFirst().orElse(null);
  }

  private static ErrorCode code(Result r) {
    return r.hasError() ? Wire.fromWire(r.getError().getCode()) : null;
  }

  @Test
  void cancel_callWaitingForAThread_answersAtOnceNeverRunsAndFreesItsSlot() {
    CallRunner runner = heldRunner(2, 1);
    invoke(runner, 1, "echo", 0);
    invoke(runner, 2, "echo", 0);
    invoke(runner, 3, "echo", 0);
    assertThat(code(result(3))).isEqualTo(ErrorCode.OVERLOADED);

    runner.cancel(1, ErrorCode.CANCELLED);

    assertThat(code(result(1))).isEqualTo(ErrorCode.CANCELLED);
    assertThat(result(1).getError().getMessage()).isEqualTo("'echo' was cancelled on node 'n1'.");
    invoke(runner, 4, "echo", 0);
    assertThat(answer(4)).as("a freed slot takes the next call").isNull();
    gate.countDown();
    assertThat(code(result(2))).isNull();
    assertThat(code(result(4))).isNull();
    assertThat(functions.runs.get()).as("runs: 2 and 4, never the cancelled 1").isEqualTo(2);
    assertThat(frames.stream().filter(f -> f.getResult().getCallId() == 1)).hasSize(1);
    assertThat(runner.inFlight()).isZero();
  }

  @Test
  void deadline_ofCallWaitingForAThread_answersDeadlineExceededAndFreesItsSlot() {
    CallRunner runner = heldRunner(1, 1);
    invoke(runner, 1, "echo", 50);

    assertThat(code(result(1))).isEqualTo(ErrorCode.DEADLINE_EXCEEDED);
    invoke(runner, 2, "echo", 0);
    gate.countDown();
    assertThat(code(result(2))).isNull();
    assertThat(functions.runs.get()).isEqualTo(1);
  }

  @Test
  void cancelAll_withCallsRunningAndQueued_answersEveryCallAndFreesEverySlot() {
    executor = Executors.newFixedThreadPool(2);
    CallRunner runner = new CallRunner("n1", byName, 4, executor, timer);
    for (long id = 1; id <= 4; id++) {
      invoke(runner, id, "block", 0);
    }
    Awaitility.await().atMost(Duration.ofSeconds(5)).until(() -> functions.runs.get() == 2);

    runner.cancelAll();

    for (long id = 1; id <= 4; id++) {
      assertThat(code(result(id))).as("call %d", id).isEqualTo(ErrorCode.CANCELLED);
    }
    assertThat(runner.inFlight()).isZero();
    for (long id = 5; id <= 8; id++) {
      invoke(runner, id, "echo", 0);
    }
    for (long id = 5; id <= 8; id++) {
      assertThat(code(result(id))).as("call %d after cancelAll", id).isNull();
    }
    // Which queued call a freed thread picks up before cancelAll reaches it is a race: 2 to 4 blocked calls ran.
    assertThat(functions.runs.get()).as("the blocked calls that ran, then 4 echoes").isBetween(6, 8);
  }

  @Test
  void invoke_executorShutDown_answersUnavailableAndFreesItsSlot() {
    executor = Executors.newSingleThreadExecutor();
    executor.shutdown();
    CallRunner runner = new CallRunner("n1", byName, 1, executor, timer);

    invoke(runner, 1, "echo", 1000);
    invoke(runner, 2, "echo", 1000);

    assertThat(code(result(1))).isEqualTo(ErrorCode.UNAVAILABLE);
    assertThat(code(result(2))).as("the first call's slot was freed").isEqualTo(ErrorCode.UNAVAILABLE);
    assertThat(runner.inFlight()).isZero();
  }

  @Test
  void duplicateInvoke_isIgnoredAndTakesNoSlot() {
    CallRunner runner = heldRunner(2, 1);
    invoke(runner, 1, "echo", 0);
    invoke(runner, 1, "echo", 0);
    invoke(runner, 2, "echo", 0);

    assertThat(answer(2)).as("the duplicate took no slot, so call 2 was accepted").isNull();
    gate.countDown();
    assertThat(code(result(1))).isNull();
    assertThat(code(result(2))).isNull();
    Awaitility.await().atMost(Duration.ofSeconds(2)).until(() -> runner.inFlight() == 0);
    assertThat(frames.stream().filter(f -> f.getResult().getCallId() == 1)).hasSize(1);
  }

  @Test
  void fullNode_answersOverloadedOnlyWhenEverySlotIsTaken_andTakesACallTheMomentAnAnswerLeaves() {
    executor = Executors.newCachedThreadPool();
    CallRunner runner = new CallRunner("n1", byName, 3, executor, timer);
    List<Result> nextCallAnswers = new CopyOnWriteArrayList<>();
    // As the gateway would: the moment call 1's answer arrives, it sends the next call.
    runner.invoke(invokeFrame(1, "block", 0), frame -> {
      runner.invoke(invokeFrame(10, "block", 0), f -> nextCallAnswers.add(f.getResult()));
      return frames.add(frame);
    });
    invoke(runner, 2, "block", 0);
    invoke(runner, 3, "block", 0);
    Awaitility.await().atMost(Duration.ofSeconds(5)).until(() -> functions.runs.get() == 3);
    assertThat(frames).as("three calls on three free slots: none refused").isEmpty();
    invoke(runner, 4, "block", 0);
    assertThat(code(result(4))).isEqualTo(ErrorCode.OVERLOADED);

    runner.cancel(1, ErrorCode.CANCELLED);

    assertThat(code(result(1))).isEqualTo(ErrorCode.CANCELLED);
    assertThat(nextCallAnswers).as("call 10, sent as call 1's answer left, was accepted").isEmpty();
    Awaitility.await().atMost(Duration.ofSeconds(5)).until(() -> functions.runs.get() == 4);
    runner.cancelAll();
    Awaitility.await().atMost(Duration.ofSeconds(5)).until(() -> runner.inFlight() == 0);
  }
}
