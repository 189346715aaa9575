package io.easyremote.client.internal.codec;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JavaType;
import io.easyremote.protocol.ErrorCode;
import io.easyremote.protocol.RemoteException;
import io.easyremote.protocol.TypeRef;
import io.easyremote.protocol.internal.Json;
import io.easyremote.protocol.wire.Encoding;
import io.easyremote.protocol.wire.Payload;
import java.io.IOException;
import java.lang.reflect.Type;
import java.nio.charset.StandardCharsets;

/**
 * Reads a result payload as one requested type: JSON through the shared strict mapper, a
 * {@code BINARY} payload as {@code byte[]}, anything for {@code Void}/{@code void} as null.
 * Immutable and thread-safe; build once per type and reuse.
 *
 * @param <T> the requested type (boxed for primitives)
 */
public final class ResultReader<T> {
  private static final int EXCERPT_CHARS = 80;

  private final Type type;
  private final JavaType javaType;
  private final Class<?> raw;
  private final String typeName;

  private ResultReader(Type type) {
    this.type = type;
    this.javaType = Json.mapper().getTypeFactory().constructType(type);
    this.raw = javaType.getRawClass();
    this.typeName = type instanceof Class<?> c ? c.getSimpleName() : type.getTypeName();
  }

  /** A reader for a class; primitives such as {@code int.class} are read as their boxes. */
  public static <T> ResultReader<T> of(Class<T> type) {
    return new ResultReader<>(requireType(type));
  }

  /** A reader for the generic type a {@link TypeRef} captured. */
  public static <T> ResultReader<T> of(TypeRef<T> type) {
    return new ResultReader<>(requireType(type).type());
  }

  /** A reader for any reflected type, such as a method's generic return type. */
  public static ResultReader<Object> ofType(Type type) {
    return new ResultReader<>(requireType(type));
  }

  private static <X> X requireType(X type) {
    if (type == null) {
      throw new NullPointerException("resultType");
    }
    return type;
  }

  /** The type this reader produces. */
  public Type type() {
    return type;
  }

  /**
   * The value of {@code payload}.
   *
   * @param function the function that answered, for messages
   * @param nodeId the node that answered, or null
   * @throws RemoteException {@link ErrorCode#INVALID_REQUEST} (with {@code reachedNode = true}) when
   *     the payload cannot be read as the requested type
   */
  @SuppressWarnings("unchecked")
  public T read(String function, Payload payload, String nodeId) {
    if (raw == Void.class || raw == void.class) {
      return null;
    }
    byte[] data = payload.getData().toByteArray();
    if (payload.getEncoding() == Encoding.BINARY) {
      if (raw == byte[].class || raw == Object.class) {
        return (T) data;
      }
      throw unreadable(function, "binary data (" + data.length + " bytes)", nodeId,
          "declare byte[] to receive binary results", null);
    }
    if (data.length == 0 || isJsonNull(data)) {
      if (raw.isPrimitive()) {
        throw unreadable(function, "null", nodeId, "a primitive cannot be null; declare the boxed type", null);
      }
      return null;
    }
    try {
      return Json.mapper().readValue(data, javaType);
    } catch (JsonProcessingException e) {
      throw unreadable(function, excerpt(data), nodeId, firstLine(e.getOriginalMessage()), e);
    } catch (IOException e) {
      throw unreadable(function, excerpt(data), nodeId, e.getMessage(), e);
    }
  }

  private RemoteException unreadable(String function, String value, String nodeId, String why, Throwable cause) {
    return new RemoteException(ErrorCode.INVALID_REQUEST,
        function + " returned " + value + ", which cannot be read as " + typeName + ": " + why, true, 0, nodeId, cause);
  }

  private static boolean isJsonNull(byte[] data) {
    // "null" with some whitespace at most; larger payloads are never null.
    return data.length <= 16 && new String(data, StandardCharsets.UTF_8).strip().equals("null");
  }

  private static String excerpt(byte[] data) {
    String text = new String(data, StandardCharsets.UTF_8);
    return text.length() <= EXCERPT_CHARS ? text : text.substring(0, EXCERPT_CHARS) + "…";
  }

  private static String firstLine(String text) {
    if (text == null) {
      return "";
    }
    int nl = text.indexOf('\n');
    return nl < 0 ? text : text.substring(0, nl);
  }

  @Override
  public String toString() {
    return "ResultReader<" + typeName + ">";
  }
}
