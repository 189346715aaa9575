package io.easyremote.gateway.internal.openapi;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.easyremote.protocol.internal.Json;
import java.util.HashMap;
import java.util.Map;

/**
 * Brings the JSON Schemas a node declared (as text) into the OpenAPI document. A schema that is
 * not valid JSON, or neither an object nor a boolean, becomes the permissive {@code {}}. Local
 * definitions ({@code $defs}, {@code definitions}) move to {@code components/schemas} under names
 * prefixed by the function's, and their {@code #/$defs/...} references are rewritten to match: a
 * reference stays resolvable once the schema sits deep inside another document.
 */
public final class SchemaImport {
  private final ObjectNode componentSchemas;
  private final String prefix;
  private final String refBase;

  /**
   * @param componentSchemas the document's {@code components/schemas}, where definitions go
   * @param function the function whose schemas these are (prefixes the definitions' names)
   */
  SchemaImport(ObjectNode componentSchemas, String function) {
    this(componentSchemas, function, "#/components/schemas/");
  }

  /**
   * For another document: definitions go to {@code definitions}, referenced as
   * {@code refBase + name} (an MCP tool schema keeps them in its own {@code $defs}).
   */
  public SchemaImport(ObjectNode definitions, String function, String refBase) {
    this.componentSchemas = definitions;
    this.prefix = function.replaceAll("[^A-Za-z0-9_.-]", "_") + ".";
    this.refBase = refBase;
  }

  /** The schema as a tree ready to embed. */
  public JsonNode parse(String text) {
    JsonNode schema;
    try {
      schema = text == null || text.isBlank() ? null : Json.mapper().readTree(text);
    } catch (JsonProcessingException e) {
      schema = null;
    }
    if (schema == null || !(schema.isObject() || schema.isBoolean())) {
      return Json.mapper().createObjectNode();
    }
    if (schema.isObject()) {
      ObjectNode object = (ObjectNode) schema;
      object.remove("$schema"); // the document's dialect applies
      Map<String, String> renamed = new HashMap<>();
      hoist(object, "$defs", renamed);
      hoist(object, "definitions", renamed);
      if (!renamed.isEmpty()) {
        rewriteRefs(object, renamed);
        for (String target : renamed.values()) {
          rewriteRefs(componentSchemas.get(target.substring(refBase.length())), renamed);
        }
      }
    }
    return schema;
  }

  private void hoist(ObjectNode schema, String keyword, Map<String, String> renamed) {
    JsonNode defs = schema.remove(keyword);
    if (defs == null || !defs.isObject()) {
      return;
    }
    for (Map.Entry<String, JsonNode> def : defs.properties()) {
      String name = uniqueName(prefix + def.getKey().replaceAll("[^A-Za-z0-9_.-]", "_"));
      componentSchemas.set(name, def.getValue());
      renamed.put("#/" + keyword + "/" + def.getKey(), refBase + name);
    }
  }

  private String uniqueName(String wanted) {
    String name = wanted;
    for (int i = 2; componentSchemas.has(name); i++) {
      name = wanted + "_" + i;
    }
    return name;
  }

  private static void rewriteRefs(JsonNode node, Map<String, String> renamed) {
    if (node instanceof ObjectNode object) {
      JsonNode ref = object.get("$ref");
      if (ref != null && ref.isTextual() && renamed.containsKey(ref.asText())) {
        object.put("$ref", renamed.get(ref.asText()));
      }
      object.elements().forEachRemaining(child -> rewriteRefs(child, renamed));
    } else if (node instanceof ArrayNode array) {
      array.elements().forEachRemaining(child -> rewriteRefs(child, renamed));
    }
  }
}
