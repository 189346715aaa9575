package io.easyremote.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class SectionTest {
  @Test
  void markdown_hasHeadingTableAndNotes_withNumbersRoundedToTheirSize() {
    Section section = new Section("latency", "1. Latency", "path", "p50 µs", "ratio", "calls")
        .row("relayed", 274.4, 2.3412, 15000L)
        .row("NATS", Double.NaN, 12.25, 3)
        .note("medians over 5 rounds");

    assertThat(section.markdown()).isEqualTo("""
        ### 1. Latency

        | path | p50 µs | ratio | calls |
        |---|--:|--:|--:|
        | relayed | 274 | 2.34 | 15,000 |
        | NATS | – | 12.3 | 3 |

        - medians over 5 rounds

        """);
  }

  @Test
  void row_withTheWrongNumberOfValues_isRefused() {
    Section section = new Section("x", "X", "a", "b");
    assertThatThrownBy(() -> section.row("only one")).isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void fail_marksTheSectionAndSaysWhy() {
    Section section = new Section("concurrency", "5. Concurrency", "calls").fail("3 calls were lost");
    assertThat(section.failed).isTrue();
    assertThat(section.markdown()).contains("- FAILED: 3 calls were lost");
  }
}
