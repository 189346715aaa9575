package io.easyremote.bench.child;

import static org.assertj.core.api.Assertions.assertThat;

import io.easyremote.protocol.internal.GrpcNettyDefaults;
import org.junit.jupiter.api.Test;

class ChildMainTest {
  @Test
  void directBaselines_getTheSameGrpcBufferCacheAsTheClientAndNode() {
    String key = GrpcNettyDefaults.MAX_CACHED_BUFFER_CAPACITY;
    String before = System.getProperty(key);
    System.clearProperty(key);
    try {
      ChildMain.useClientsGrpcNettySettings();
      String bench = System.getProperty(key);
      System.clearProperty(key);
      GrpcNettyDefaults.apply();

      assertThat(bench).isNotNull().isEqualTo(System.getProperty(key));
    } finally {
      if (before == null) {
        System.clearProperty(key);
      } else {
        System.setProperty(key, before);
      }
    }
  }
}
