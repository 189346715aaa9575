package io.easyremote.cli;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectReader;
import com.fasterxml.jackson.databind.node.TextNode;
import java.util.List;

/**
 * Command-line arguments as JSON values: {@code 1}, {@code "text"}, {@code [1,2]}, {@code {"x":1}}.
 * Anything that is not exactly one JSON value ({@code hello}, {@code 1 2}, {@code {broken}) is a plain string.
 */
final class JsonArgs {
  private static final ObjectReader READER = CliJson.mapper().reader().with(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);

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
      JsonNode node = READER.readTree(arg);
      return node == null || node.isMissingNode() ? TextNode.valueOf(arg) : node;
    } catch (JsonProcessingException e) {
      return TextNode.valueOf(arg);
    }
  }
}
