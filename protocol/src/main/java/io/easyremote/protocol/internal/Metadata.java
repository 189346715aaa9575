package io.easyremote.protocol.internal;

import io.grpc.Metadata.Key;

/** gRPC metadata keys shared by client, node and gateway. */
public final class Metadata {
  /** A caller's self-chosen identity (a per-client id), used for fair queueing and logs. */
  public static final Key<String> CALLER = Key.of("x-easyremote-caller", io.grpc.Metadata.ASCII_STRING_MARSHALLER);
  /**
   * Sent by a caller that reads large answers on {@code CallChannel} in parts ({@code
   * ChannelAnswer.payload_size}, {@code ChannelReply.part}); any value.
   */
  public static final Key<String> REPLY_PARTS = Key.of("x-easyremote-reply-parts", io.grpc.Metadata.ASCII_STRING_MARSHALLER);
  /** A client API key. */
  public static final Key<String> AUTHORIZATION = Key.of("authorization", io.grpc.Metadata.ASCII_STRING_MARSHALLER);

  private Metadata() {}
}
