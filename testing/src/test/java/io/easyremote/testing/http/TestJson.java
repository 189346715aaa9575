package io.easyremote.testing.http;

import com.fasterxml.jackson.databind.ObjectMapper;

/** Parses what the gateway answers over HTTP; the tests read JSON as any HTTP client would, not through the roles' codec. */
final class TestJson {
  private static final ObjectMapper MAPPER = new ObjectMapper();

  private TestJson() {}

  static ObjectMapper mapper() {
    return MAPPER;
  }
}
