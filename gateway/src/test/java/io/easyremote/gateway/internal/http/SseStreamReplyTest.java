package io.easyremote.gateway.internal.http;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class SseStreamReplyTest {
  @Test
  void event_singleLine_isOneDataLine() {
    assertThat(SseStreamReply.event("item", "{\"x\":1}").toStringUtf8()).isEqualTo("event: item\ndata: {\"x\":1}\n\n");
  }

  @Test
  void event_multiLineData_becomesOneDataLinePerLine() {
    assertThat(SseStreamReply.event("item", "[1,\r\n2]\n").toStringUtf8()).isEqualTo("event: item\ndata: [1,\ndata: 2]\ndata: \n\n");
  }
}
