package io.easyremote.node.internal.registry;

import com.fasterxml.jackson.databind.node.ObjectNode;
import com.github.victools.jsonschema.generator.Option;
import com.github.victools.jsonschema.generator.OptionPreset;
import com.github.victools.jsonschema.generator.SchemaGeneratorConfigBuilder;
import com.github.victools.jsonschema.generator.SchemaVersion;
import io.easyremote.protocol.internal.Json;
import java.lang.reflect.Type;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * JSON Schemas (draft 2020-12) for parameter and result types, so callers, OpenAPI and MCP know
 * what to send. A type the generator cannot describe gets the permissive schema {@code {}}
 * rather than failing registration. Thread-safe.
 */
final class SchemaGenerator {
  private static final Logger log = LoggerFactory.getLogger(SchemaGenerator.class);
  private static final com.github.victools.jsonschema.generator.SchemaGenerator GENERATOR = create();

  private SchemaGenerator() {}

  private static com.github.victools.jsonschema.generator.SchemaGenerator create() {
    SchemaGeneratorConfigBuilder config =
        new SchemaGeneratorConfigBuilder(Json.mapper(), SchemaVersion.DRAFT_2020_12, OptionPreset.PLAIN_JSON)
            .with(Option.INLINE_ALL_SCHEMAS)
            .with(Option.EXTRA_OPEN_API_FORMAT_VALUES) // int32, int64, float, double: generated clients pick the right widths
            .without(Option.SCHEMA_VERSION_INDICATOR);
    return new com.github.victools.jsonschema.generator.SchemaGenerator(config.build());
  }

  /** The schema of {@code type} as JSON text. */
  static String schemaOf(Type type) {
    try {
      ObjectNode schema = GENERATOR.generateSchema(type);
      return Json.mapper().writeValueAsString(schema);
    } catch (RuntimeException | com.fasterxml.jackson.core.JsonProcessingException e) {
      log.debug("No JSON Schema for {}: {}", type.getTypeName(), e.toString());
      return "{}";
    }
  }
}
