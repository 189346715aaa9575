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
  void takesOverTheDemand_andAsksForTheFirstBatch() {
    new BatchedDemand(stream, loop::add);

    assertThat(stream.autoRequestDisabled).isTrue();
    assertThat(stream.requests).containsExactly(BatchedDemand.BATCH);
  }

  @Test
  void asksForTheNextBatch_onlyFromALaterTaskOfTheLoop_afterAWholeBatch() {
    BatchedDemand demand = new BatchedDemand(stream, loop::add);

    for (int i = 0; i < BatchedDemand.BATCH - 1; i++) {
      demand.took();
    }
    assertThat(loop).isEmpty();
    demand.took(); // the batch is used up: the next one is asked for later, not from inside this message
    assertThat(stream.requests).containsExactly(BatchedDemand.BATCH);
    assertThat(loop).hasSize(1);

    loop.remove().run();
    assertThat(stream.requests).containsExactly(BatchedDemand.BATCH, BatchedDemand.BATCH);
    for (int i = 0; i < BatchedDemand.BATCH; i++) {
      demand.took();
    }
    assertThat(loop).hasSize(1);
  }
}
