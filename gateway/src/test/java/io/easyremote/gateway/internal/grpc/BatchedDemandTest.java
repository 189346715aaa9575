package io.easyremote.gateway.internal.grpc;

import static org.assertj.core.api.Assertions.assertThat;

import io.grpc.stub.ServerCallStreamObserver;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Queue;
import org.junit.jupiter.api.Test;

class BatchedDemandTest {
  /** The demand a stream was given, in order, and whether gRPC's automatic demand was turned off. */
  private static final class RecordingStream extends ServerCallStreamObserver<Object> {
    final List<Integer> requests = new ArrayList<>();
    boolean autoRequestDisabled;

    @Override
    public void disableAutoRequest() {
      autoRequestDisabled = true;
    }

    @Override
    public void disableAutoInboundFlowControl() {
      autoRequestDisabled = true;
    }

    @Override
    public void request(int count) {
      requests.add(count);
    }

    @Override
    public boolean isCancelled() {
      return false;
    }

    @Override
    public void setOnCancelHandler(Runnable onCancelHandler) { }

    @Override
    public void setCompression(String compression) { }

    @Override
    public boolean isReady() {
      return true;
    }

    @Override
    public void setOnReadyHandler(Runnable onReadyHandler) { }

    @Override
    public void setMessageCompression(boolean enable) { }

    @Override
    public void onNext(Object value) { }

    @Override
    public void onError(Throwable t) { }

    @Override
    public void onCompleted() { }
  }

  private final RecordingStream stream = new RecordingStream();
  /** Tasks handed to the "event loop", run only when the test says so. */
  private final Queue<Runnable> loop = new ArrayDeque<>();

  @Test
  void takesOverTheDemand_andAsksForTheFirstMessage() {
    new BatchedDemand(stream, loop::add);

    assertThat(stream.autoRequestDisabled).isTrue();
    assertThat(stream.requests).containsExactly(1);
  }

  @Test
  void asksForTheNextMessage_onlyFromALaterTaskOfTheLoop_afterAWholeShareOfFrames() {
    BatchedDemand demand = new BatchedDemand(stream, loop::add);

    for (int i = 0; i < BatchedDemand.BATCH - 1; i++) {
      demand.took();
    }
    assertThat(loop).isEmpty();
    assertThat(stream.requests).hasSize(BatchedDemand.BATCH);
    demand.took(); // the share is used up: the next message is asked for later, not from inside this one
    assertThat(stream.requests).hasSize(BatchedDemand.BATCH);
    assertThat(loop).hasSize(1);

    loop.remove().run();
    assertThat(stream.requests).hasSize(BatchedDemand.BATCH + 1).containsOnly(1);
    for (int i = 0; i < BatchedDemand.BATCH; i++) {
      demand.took();
    }
    assertThat(loop).hasSize(1);
  }

  @Test
  void aMessageOfManyFrames_countsEachFrame_andEndsTheTurn() {
    BatchedDemand demand = new BatchedDemand(stream, loop::add);

    demand.took(10);
    assertThat(stream.requests).containsExactly(1, 1);
    demand.took(BatchedDemand.BATCH); // a batch larger than what is left of the share
    assertThat(stream.requests).containsExactly(1, 1);
    assertThat(loop).hasSize(1);

    loop.remove().run();
    demand.took(BatchedDemand.BATCH - 1);
    assertThat(stream.requests).as("a fresh share for the next turn").containsExactly(1, 1, 1, 1);
  }
}
