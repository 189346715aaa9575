package io.easyremote.gateway.internal.openapi;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.Map;

/**
 * OpenAPI number formats from the Java type a node declared ({@code int} → {@code int32},
 * {@code long} → {@code int64}, ...), for schemas that lack one: without {@code int64} a generated
 * client holds a Java {@code long} in a 32-bit integer and fails on values above 2^31. Nodes of
 * this version already put formats into their schemas; this covers the top level of older ones.
 */
final class Formats {
  private static final Map<String, String> BY_JAVA_TYPE = Map.ofEntries(
      Map.entry("int", "int32"), Map.entry("java.lang.Integer", "int32"), Map.entry("Integer", "int32"),
      Map.entry("short", "int32"), Map.entry("java.lang.Short", "int32"), Map.entry("byte", "int32"), Map.entry("java.lang.Byte", "int32"),
      Map.entry("long", "int64"), Map.entry("java.lang.Long", "int64"), Map.entry("Long", "int64"),
      Map.entry("float", "float"), Map.entry("java.lang.Float", "float"), Map.entry("Float", "float"),
      Map.entry("double", "double"), Map.entry("java.lang.Double", "double"), Map.entry("Double", "double"));

  private Formats() {}

  /** The schema, with the format of {@code javaType} added when it is a number without one. */
  static JsonNode withFormat(JsonNode schema, String javaType) {
    String format = BY_JAVA_TYPE.get(javaType);
    if (format != null && schema instanceof ObjectNode object && !object.has("format")) {
      String type = object.path("type").asText();
      if (type.equals("integer") || type.equals("number")) {
        object.put("format", format);
      }
    }
    return schema;
  }
}
