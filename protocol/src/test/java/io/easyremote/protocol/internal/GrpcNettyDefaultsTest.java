package io.easyremote.protocol.internal;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class GrpcNettyDefaultsTest {
  private static final String KEY = GrpcNettyDefaults.MAX_CACHED_BUFFER_CAPACITY;
  private String before;

  @BeforeEach
  void remember() {
    before = System.getProperty(KEY);
    System.clearProperty(KEY);
  }

  @AfterEach
  void restore() {
    if (before == null) {
      System.clearProperty(KEY);
    } else {
      System.setProperty(KEY, before);
    }
  }

  @Test
  void unset_getsTheDefault() {
    GrpcNettyDefaults.apply();

    assertThat(System.getProperty(KEY)).isEqualTo(Integer.toString(256 * 1024));
  }

  @Test
  void setByTheUser_isKept() {
    System.setProperty(KEY, "65536");

    GrpcNettyDefaults.apply();

    assertThat(System.getProperty(KEY)).isEqualTo("65536");
  }
}
