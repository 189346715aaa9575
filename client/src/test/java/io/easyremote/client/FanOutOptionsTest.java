package io.easyremote.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class FanOutOptionsTest {
  @Test
  void defaults_areAutoWindowContinueOnFailureEveryNode() {
    assertThat(FanOut.DEFAULT.window()).isZero();
    assertThat(FanOut.DEFAULT.failFast()).isFalse();
    assertThat(FanOut.DEFAULT.retry()).isNull();
    assertThat(FanOut.DEFAULT.progressEvery()).isEqualTo(Duration.ofMillis(500));
    assertThat(FanOut.DEFAULT.quorum()).isZero();
    assertThat(FanOut.DEFAULT.within()).isNull();
    assertThat(FanOut.DEFAULT).hasToString("FanOut{window=auto, quorum=all}");
  }

  @Test
  void builder_rejectsBadValuesNamingThem() {
    assertThatThrownBy(() -> FanOut.builder().window(-1)).hasMessage("window must be 0 (auto) to 4096: -1");
    assertThatThrownBy(() -> FanOut.builder().window(4097)).hasMessage("window must be 0 (auto) to 4096: 4097");
    assertThatThrownBy(() -> FanOut.builder().quorum(-2)).hasMessage("quorum must be >= 0 (0 = every node): -2");
    assertThatThrownBy(() -> FanOut.builder().progressEvery(Duration.ofMillis(5))).hasMessageStartingWith("progressEvery must be 10 ms to 1 hour");
    assertThatThrownBy(() -> FanOut.builder().within(Duration.ZERO)).hasMessageStartingWith("deadline must be > 0");
  }

  @Test
  void toBuilder_keepsEverySetting() {
    FanOut f = FanOut.builder().window(8).failFast(true).retry(RetryPolicy.NONE).quorum(2).within(Duration.ofSeconds(3)).build();
    FanOut copy = f.toBuilder().build();
    assertThat(copy.window()).isEqualTo(8);
    assertThat(copy.failFast()).isTrue();
    assertThat(copy.retry()).isEqualTo(RetryPolicy.NONE);
    assertThat(copy.quorum()).isEqualTo(2);
    assertThat(copy.within()).isEqualTo(Duration.ofSeconds(3));
  }
}
