package io.easyremote.client.internal.transport;

import io.easyremote.protocol.internal.Metadata;
import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.ClientCall;
import io.grpc.ClientInterceptor;
import io.grpc.ForwardingClientCall.SimpleForwardingClientCall;
import io.grpc.MethodDescriptor;

/** Adds the caller id and, when configured, the bearer API key to every outgoing call. */
final class HeadersInterceptor implements ClientInterceptor {
  private final String callerId;
  private final String authorization;

  HeadersInterceptor(String callerId, String apiKey) {
    this.callerId = callerId;
    this.authorization = apiKey == null ? null : "Bearer " + apiKey;
  }

  @Override
  public <ReqT, RespT> ClientCall<ReqT, RespT> interceptCall(
      MethodDescriptor<ReqT, RespT> method, CallOptions callOptions, Channel next) {
    return new SimpleForwardingClientCall<>(next.newCall(method, callOptions)) {
      @Override
      public void start(Listener<RespT> responseListener, io.grpc.Metadata headers) {
        headers.put(Metadata.CALLER, callerId);
        if (authorization != null) {
          headers.put(Metadata.AUTHORIZATION, authorization);
        }
        super.start(responseListener, headers);
      }
    };
  }
}
