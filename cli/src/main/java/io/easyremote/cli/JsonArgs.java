package io.easyremote.cli;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.TextNode;
import io.easyremote.protocol.internal.Json;
import java.util.List;

/** Command-line arguments as JSON values: {@code 1}, {@code "text"}, {@code [1,2]}; anything that is not JSON is a plain string. */
final class JsonArgs {
  private JsonArgs() {}

  static Object[] parse(List<String> args) {
    if (args == null) {
      return new Object[0];
    }
    Object[] out = new Object[args.size()];
    for (int i = 0; i < out.length; i++) {
      out[i] = parse(args.get(i));
    }
    return out;
  }

  static JsonNode parse(String arg) {
    try {
      JsonNode node = Json.mapper().readTree(arg);
      return node == null || node.isMissingNode() ? TextNode.valueOf(arg) : node;
    } catch (JsonProcessingException e) {
      return TextNode.valueOf(arg);
    }
  }
}
