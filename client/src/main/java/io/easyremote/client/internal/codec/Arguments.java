package io.easyremote.client.internal.codec;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.google.protobuf.ByteString;
import io.easyremote.protocol.ErrorCode;
import io.easyremote.protocol.RemoteException;
import io.easyremote.protocol.internal.Json;
import io.easyremote.protocol.wire.Encoding;
import io.easyremote.protocol.wire.Payload;

/**
 * Encodes call arguments into a payload: no arguments as empty bytes, a single {@code byte[]} as
 * raw {@code BINARY} bytes, anything else as a positional JSON array.
 */
public final class Arguments {
  private static final Object[] NONE = new Object[0];

  private Arguments() {}

  /** {@code args}, or an empty array for null (the reflection convention for "no arguments"). */
  public static Object[] orNone(Object[] args) {
    return args == null ? NONE : args;
  }

  /**
   * The payload for {@code args}.
   *
   * @throws RemoteException {@link ErrorCode#INVALID_ARGUMENTS} naming the argument that cannot be
   *     written as JSON, or {@link ErrorCode#PAYLOAD_TOO_LARGE} when the encoding is over
   *     {@code maxPayloadBytes}; neither reached a node
   */
  public static Payload encode(String function, Object[] args, int maxPayloadBytes) {
    Payload payload;
    if (args.length == 0) {
      payload = Payload.getDefaultInstance();
    } else if (args.length == 1 && args[0] instanceof byte[] bytes) {
      payload = Payload.newBuilder().setEncoding(Encoding.BINARY).setData(ByteString.copyFrom(bytes)).build();
    } else {
      byte[] json;
      try {
        json = Json.mapper().writeValueAsBytes(args);
      } catch (JsonProcessingException e) {
        throw notEncodable(function, args, e);
      }
      payload = Payload.newBuilder().setData(ByteString.copyFrom(json)).build();
    }
    int size = payload.getData().size();
    if (size > maxPayloadBytes) {
      throw new RemoteException(ErrorCode.PAYLOAD_TOO_LARGE,
          "The arguments of '" + function + "' encode to " + size + " bytes, over this client's limit of "
              + maxPayloadBytes + " bytes (maxPayloadBytes); the call was not sent.");
    }
    return payload;
  }

  private static RemoteException notEncodable(String function, Object[] args, JsonProcessingException whole) {
    for (int i = 0; i < args.length; i++) {
      try {
        Json.mapper().writeValueAsBytes(args[i]);
      } catch (JsonProcessingException e) {
        return new RemoteException(ErrorCode.INVALID_ARGUMENTS,
            "Argument " + i + " of '" + function + "' (" + args[i].getClass().getName() + ") cannot be written as JSON: "
                + e.getOriginalMessage(), false, 0, null, e);
      }
    }
    return new RemoteException(ErrorCode.INVALID_ARGUMENTS,
        "The arguments of '" + function + "' cannot be written as JSON: " + whole.getOriginalMessage(), false, 0, null, whole);
  }
}
