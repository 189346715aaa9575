package io.easyremote.gateway.internal.core;

import static org.assertj.core.api.Assertions.assertThat;

import io.easyremote.protocol.wire.Cancel;
import io.easyremote.protocol.wire.GatewayFrame;
import io.easyremote.protocol.wire.Invoke;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import org.junit.jupiter.api.Test;

class NodeLinkTest {
  private static GatewayFrame invoke(long id) {
    return GatewayFrame.newBuilder().setInvoke(Invoke.newBuilder().setCallId(id)).build();
  }

  @Test
  void framesQueuedFromManyThreads_areWrittenOnceEachInQueueOrder() throws Exception {
    CoreFixture.Frames out = new CoreFixture.Frames();
    NodeLink link = new NodeLink("a", out);
    int threads = 4;
    int each = 2_000;
    CountDownLatch start = new CountDownLatch(1);
    List<Thread> workers = new ArrayList<>();
    for (int t = 0; t < threads; t++) {
      long base = t * 1_000_000L;
      Thread worker = new Thread(() -> {
        try {
          start.await();
        } catch (InterruptedException e) {
          return;
        }
        for (int i = 0; i < each; i++) {
          link.enqueue(invoke(base + i));
          link.flush();
        }
      });
      worker.start();
      workers.add(worker);
    }
    start.countDown();
    for (Thread worker : workers) {
      worker.join();
    }
    List<Long> written = out.invoked();
    assertThat(written).hasSize(threads * each).doesNotHaveDuplicates();
    for (int t = 0; t < threads; t++) {
      long base = t * 1_000_000L;
      List<Long> mine = written.stream().filter(id -> id >= base && id < base + 1_000_000L).toList();
      assertThat(mine).as("one thread's frames keep their order").isSorted();
    }
  }

  @Test
  void close_writesWhatIsQueuedThenCompletes_andDropsLaterFrames() {
    CoreFixture.Frames out = new CoreFixture.Frames();
    NodeLink link = new NodeLink("a", out);
    link.enqueue(invoke(1));
    link.enqueue(GatewayFrame.newBuilder().setCancel(Cancel.newBuilder().setCallId(1)).build());
    link.close();
    link.enqueue(invoke(2));
    link.flush();
    assertThat(out.kinds()).containsExactly(GatewayFrame.KindCase.INVOKE, GatewayFrame.KindCase.CANCEL);
    assertThat(out.completed()).isTrue();
  }
}
