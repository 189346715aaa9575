package io.easyremote.gateway.internal.mcp;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.easyremote.gateway.internal.core.CallGrant;
import io.easyremote.gateway.internal.openapi.SchemaImport;
import io.easyremote.protocol.internal.Json;
import io.easyremote.protocol.wire.FunctionInfo;
import io.easyremote.protocol.wire.FunctionSpec;
import io.easyremote.protocol.wire.Parameter;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;

/**
 * Functions as MCP tools: one tool per function the caller may call, named as the function, its
 * {@code @Remote} description, an {@code inputSchema} object whose properties are the parameters'
 * schemas (all required), and, for functions with a result schema, an {@code outputSchema}
 * {@code {"type":"object","properties":{"result": <result schema>}}}: MCP's structured content must
 * be an object, so a result travels as {@code {"result": value}}. Streaming functions answer
 * {@code {"items": [...]}}. Local definitions move into the tool schema's own {@code $defs}.
 */
final class McpTools {
  private McpTools() {}

  /** The tools {@code grant} may call, sorted by name. */
  static ArrayNode list(List<FunctionInfo> functions, CallGrant grant) {
    ArrayNode tools = Json.mapper().createArrayNode();
    for (FunctionInfo info : functions) {
      FunctionSpec spec = info.getSpec();
      if (grant.mayCall(spec.getName(), spec)) {
        tools.add(tool(spec));
      }
    }
    return tools;
  }

  /** The names of the tools {@code grant} may call. */
  static Set<String> names(List<FunctionInfo> functions, CallGrant grant) {
    Set<String> names = new TreeSet<>();
    for (FunctionInfo info : functions) {
      if (grant.mayCall(info.getSpec().getName(), info.getSpec())) {
        names.add(info.getSpec().getName());
      }
    }
    return names;
  }

  static ObjectNode tool(FunctionSpec spec) {
    ObjectNode tool = Json.mapper().createObjectNode();
    tool.put("name", spec.getName());
    tool.put("description", spec.getDescription().isEmpty()
        ? "Calls the EasyRemote function '" + spec.getName() + "'." : spec.getDescription());
    ObjectNode input = tool.putObject("inputSchema");
    input.put("type", "object");
    ObjectNode properties = input.putObject("properties");
    ArrayNode required = Json.mapper().createArrayNode();
    ObjectNode inputDefs = Json.mapper().createObjectNode();
    SchemaImport inputImport = new SchemaImport(inputDefs, spec.getName(), "#/$defs/");
    for (Parameter p : spec.getParametersList()) {
      properties.set(p.getName(), inputImport.parse(p.getSchema()));
      required.add(p.getName());
    }
    if (!required.isEmpty()) {
      input.set("required", required);
    }
    if (!inputDefs.isEmpty()) {
      input.set("$defs", inputDefs);
    }
    ObjectNode annotations = tool.putObject("annotations");
    annotations.put("idempotentHint", spec.getIdempotent());
    annotations.put("readOnlyHint", false);
    annotations.put("openWorldHint", true);
    if (spec.getStreaming()) {
      ObjectNode output = tool.putObject("outputSchema");
      output.put("type", "object");
      ObjectNode items = output.putObject("properties").putObject("items");
      items.put("type", "array");
      JsonNode itemSchema = resultSchema(spec, output);
      if (itemSchema != null) {
        items.set("items", itemSchema);
      }
      output.putArray("required").add("items");
    } else if (!spec.getResultSchema().isBlank()) {
      ObjectNode output = tool.putObject("outputSchema");
      output.put("type", "object");
      JsonNode resultSchema = resultSchema(spec, output);
      output.putObject("properties").set("result", resultSchema == null ? Json.mapper().createObjectNode() : resultSchema);
      output.putArray("required").add("result");
    }
    return tool;
  }

  private static JsonNode resultSchema(FunctionSpec spec, ObjectNode output) {
    if (spec.getResultSchema().isBlank()) {
      return null;
    }
    ObjectNode defs = Json.mapper().createObjectNode();
    JsonNode schema = new SchemaImport(defs, spec.getName() + ".result", "#/$defs/").parse(spec.getResultSchema());
    if (!defs.isEmpty()) {
      output.set("$defs", defs);
    }
    return schema;
  }
}
