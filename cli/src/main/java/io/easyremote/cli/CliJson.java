package io.easyremote.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.datatype.jdk8.Jdk8Module;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;

/**
 * The CLI's JSON: arguments typed on the command line and what it prints. Its own mapper, not the
 * wire codec's: what a person reads (ISO dates, records with Optional fields) is the CLI's
 * business, and the codec is the roles' internal affair.
 */
final class CliJson {
  private static final ObjectMapper MAPPER = JsonMapper.builder()
      .addModule(new Jdk8Module())
      .addModule(new JavaTimeModule())
      .disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS)
      .build();

  private CliJson() {}

  /** The shared, thread-safe mapper. */
  static ObjectMapper mapper() {
    return MAPPER;
  }
}
