package io.easyremote.gateway.internal.openapi;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.easyremote.protocol.wire.FunctionInfo;
import io.easyremote.protocol.wire.FunctionSpec;
import io.easyremote.protocol.wire.Parameter;
import io.easyremote.protocol.wire.Visibility;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The document built from FunctionSpecs; the e2e OpenApiTest runs a real validator on what live nodes declare. */
class OpenApiDocumentTest {
  private static FunctionInfo function(FunctionSpec.Builder spec, String... nodes) {
    return FunctionInfo.newBuilder().setSpec(spec).addAllNodeIds(List.of(nodes)).build();
  }

  private static Parameter param(String name, String type, String schema) {
    return Parameter.newBuilder().setName(name).setType(type).setSchema(schema).build();
  }

  private static final FunctionInfo ADD = function(FunctionSpec.newBuilder().setName("add").setDescription("Adds two integers")
      .addParameters(param("a", "int", "{\"type\":\"integer\"}")).addParameters(param("b", "int", "{\"type\":\"integer\"}"))
      .setResultSchema("{\"type\":\"integer\"}").setResultType("int").setIdempotent(true).setVisibility(Visibility.PUBLIC), "n1", "n2");

  @Test
  void eachFunction_isOnePostOperation_withNamedArguments() {
    JsonNode doc = OpenApiDocument.of(List.of(ADD));
    assertThat(doc.get("openapi").asText()).isEqualTo("3.1.0");
    JsonNode op = doc.at("/paths/~1api~1add/post");
    assertThat(op.get("operationId").asText()).isEqualTo("add");
    assertThat(op.get("summary").asText()).isEqualTo("Adds two integers");
    assertThat(op.get("description").asText()).contains("n1, n2").contains("Idempotent").contains("Public");
    JsonNode body = op.at("/requestBody/content/application~1json/schema");
    assertThat(body.at("/type").asText()).isEqualTo("object");
    assertThat(body.at("/title").asText()).isEqualTo("add arguments");
    assertThat(body.at("/properties/a/type").asText()).isEqualTo("integer");
    assertThat(body.at("/properties/a/format").asText()).as("from the Java type int").isEqualTo("int32");
    assertThat(body.at("/required").toString()).isEqualTo("[\"a\",\"b\"]");
    assertThat(body.at("/additionalProperties").asBoolean()).isFalse();
    assertThat(body.has("oneOf")).isFalse();
    assertThat(op.at("/responses/200/content/application~1json/schema/type").asText()).isEqualTo("integer");
    for (String status : List.of("400", "401", "403", "404", "413", "429", "499", "500", "502", "503", "504")) {
      assertThat(op.at("/responses/" + status + "/$ref").asText()).isEqualTo("#/components/responses/Error");
    }
    assertThat(doc.at("/components/schemas/Error/properties/code/enum").toString()).contains("OVERLOADED", "NODE_LOST");
    assertThat(op.at("/parameters/0/$ref").asText()).isEqualTo("#/components/parameters/timeout");
    assertThat(doc.at("/components/parameters/strategy/schema/enum").toString()).contains("least_loaded", "smart");
  }

  @Test
  void security_keyNeededExceptForOpenFunctions_serversFromTheRequest() {
    FunctionInfo secret = function(FunctionSpec.newBuilder().setName("secret").addParameters(param("n", "long", "{\"type\":\"integer\"}"))
        .setResultSchema("{\"type\":\"number\"}").setResultType("float"), "n1");
    JsonNode doc = OpenApiDocument.of(List.of(ADD, secret), "https://gw.example:8443", name -> name.equals("secret"));
    assertThat(doc.at("/paths/~1api~1add/post/security").toString()).isEqualTo("[]");
    assertThat(doc.at("/paths/~1api~1secret/post/security").toString()).isEqualTo("[{\"clientKey\":[]}]");
    assertThat(doc.at("/components/securitySchemes/clientKey/scheme").asText()).isEqualTo("bearer");
    assertThat(doc.at("/servers/0/url").asText()).isEqualTo("https://gw.example:8443");
    assertThat(doc.at("/paths/~1api~1secret/post/requestBody/content/application~1json/schema/properties/n/format").asText())
        .isEqualTo("int64");
    assertThat(doc.at("/paths/~1api~1secret/post/responses/200/content/application~1json/schema/format").asText()).isEqualTo("float");
    assertThat(doc.at("/paths/~1api~1secret/post/requestBody/content/application~1json/schema/title").asText())
        .isNotEqualTo(doc.at("/paths/~1api~1add/post/requestBody/content/application~1json/schema/title").asText());
  }

  @Test
  void noFunctions_isStillAValidSkeleton() {
    JsonNode doc = OpenApiDocument.of(List.of());
    assertThat(doc.get("paths").isEmpty()).isTrue();
    assertThat(doc.at("/components/responses/Error/content/application~1json/schema/$ref").asText())
        .isEqualTo("#/components/schemas/Error");
  }

  @Test
  void streamingFunction_answersEventStream_withTheItemSchema() {
    JsonNode doc = OpenApiDocument.of(List.of(function(FunctionSpec.newBuilder().setName("tokens").setStreaming(true)
        .addParameters(param("prompt", "java.lang.String", "{\"type\":\"string\"}")).setResultSchema("{\"type\":\"string\"}"), "n1")));
    JsonNode ok = doc.at("/paths/~1api~1tokens/post/responses/200");
    assertThat(ok.at("/content/text~1event-stream/x-item-schema/type").asText()).isEqualTo("string");
    assertThat(ok.at("/content").has("application/json")).isFalse();
    assertThat(doc.at("/paths/~1api~1tokens/post/description").asText()).contains("text/event-stream").contains("/api/tokens/stream");
  }

  @Test
  void bytesInAndOut_areOctetStreams() {
    JsonNode doc = OpenApiDocument.of(List.of(function(FunctionSpec.newBuilder().setName("reverse")
        .addParameters(param("data", "byte[]", "{\"type\":\"string\"}")).setResultType("byte[]"), "n1")));
    JsonNode op = doc.at("/paths/~1api~1reverse/post");
    assertThat(op.at("/requestBody/content").has("application/octet-stream")).isTrue();
    assertThat(op.at("/responses/200/content").has("application/octet-stream")).isTrue();
  }

  @Test
  void localDefinitions_moveToComponents_andReferencesFollow() {
    String tree = "{\"$schema\":\"https://json-schema.org/draft/2020-12/schema\",\"$ref\":\"#/$defs/Node\",\"$defs\":{\"Node\":"
        + "{\"type\":\"object\",\"properties\":{\"children\":{\"type\":\"array\",\"items\":{\"$ref\":\"#/$defs/Node\"}}}}}}";
    JsonNode doc = OpenApiDocument.of(List.of(function(FunctionSpec.newBuilder().setName("walk")
        .addParameters(param("root", "Node", tree)).setResultSchema(tree), "n1")));
    JsonNode root = doc.at("/paths/~1api~1walk/post/requestBody/content/application~1json/schema/properties/root");
    assertThat(root.get("$ref").asText()).isEqualTo("#/components/schemas/walk.Node");
    assertThat(root.has("$defs")).isFalse();
    assertThat(root.has("$schema")).isFalse();
    assertThat(doc.at("/components/schemas/walk.Node/properties/children/items/$ref").asText()).isEqualTo("#/components/schemas/walk.Node");
    assertThat(doc.at("/paths/~1api~1walk/post/responses/200/content/application~1json/schema/$ref").asText())
        .isEqualTo("#/components/schemas/walk.Node_2");
  }

  @Test
  void unusableSchemas_becomePermissive() {
    JsonNode doc = OpenApiDocument.of(List.of(function(FunctionSpec.newBuilder().setName("odd")
        .addParameters(param("a", "X", "not json")).addParameters(param("b", "Y", "")).addParameters(param("c", "Z", "[1]"))
        .addParameters(param("d", "W", "true")), "n1")));
    JsonNode props = doc.at("/paths/~1api~1odd/post/requestBody/content/application~1json/schema/properties");
    assertThat(props.get("a").toString()).isEqualTo("{}");
    assertThat(props.get("b").toString()).isEqualTo("{}");
    assertThat(props.get("c").toString()).isEqualTo("{}");
    assertThat(props.get("d").toString()).isEqualTo("true");
    assertThat(doc.at("/paths/~1api~1odd/post/responses/200/content/application~1json/schema").toString()).isEqualTo("{}");
  }
}
