package io.easyremote.gateway.internal.grpc;

import io.grpc.BindableService;
import io.grpc.Context;
import io.grpc.Contexts;
import io.grpc.InternalServer;
import io.grpc.Metadata;
import io.grpc.Server;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.ServerInterceptors;
import io.grpc.ServerServiceDefinition;
import io.grpc.protobuf.services.ProtoReflectionServiceV1;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * gRPC server reflection, {@code grpc.reflection.v1} and the older {@code v1alpha} that grpcurl
 * and many tools still ask first, listing every service on the gateway's port.
 *
 * <p>grpc-java's reflection services read the server's services from the gRPC {@link Context};
 * Armeria fills that in for one reflection service only, so both get it here from a view of the
 * services this gateway serves.
 */
public final class GrpcReflection {
  private GrpcReflection() {}

  /**
   * The two reflection services (v1, v1alpha) describing {@code served} and themselves.
   *
   * @param served the other services on the port, bound ({@link BindableService#bindService()})
   */
  public static List<ServerServiceDefinition> describing(List<ServerServiceDefinition> served) {
    List<ServerServiceDefinition> all = new ArrayList<>(served);
    ServicesView view = new ServicesView(all);
    ServerInterceptor withServer = new ServerInterceptor() {
      @Override
      public <I, O> ServerCall.Listener<I> interceptCall(ServerCall<I, O> call, Metadata headers, ServerCallHandler<I, O> next) {
        return Contexts.interceptCall(Context.current().withValue(InternalServer.SERVER_CONTEXT_KEY, view), call, headers, next);
      }
    };
    List<ServerServiceDefinition> reflection = List.of(
        ServerInterceptors.intercept(ProtoReflectionServiceV1.newInstance(), withServer),
        ServerInterceptors.intercept(legacy(), withServer));
    all.addAll(reflection);
    return reflection;
  }

  @SuppressWarnings("deprecation") // v1alpha is deprecated, and still what grpcurl and older tools ask first
  private static BindableService legacy() {
    return io.grpc.protobuf.services.ProtoReflectionService.newInstance();
  }

  /** Only what reflection reads of a server: its services. It is never started. */
  private static final class ServicesView extends Server {
    private final List<ServerServiceDefinition> services;

    ServicesView(List<ServerServiceDefinition> services) {
      this.services = services;
    }

    @Override
    public List<ServerServiceDefinition> getServices() {
      return List.copyOf(services);
    }

    @Override
    public List<ServerServiceDefinition> getImmutableServices() {
      return List.copyOf(services);
    }

    @Override
    public List<ServerServiceDefinition> getMutableServices() {
      return List.of();
    }

    @Override
    public Server start() {
      throw new UnsupportedOperationException("a view of the gateway's services, never started");
    }

    @Override
    public Server shutdown() {
      return this;
    }

    @Override
    public Server shutdownNow() {
      return this;
    }

    @Override
    public boolean isShutdown() {
      return false;
    }

    @Override
    public boolean isTerminated() {
      return false;
    }

    @Override
    public void awaitTermination() {
      // never started
    }

    @Override
    public boolean awaitTermination(long timeout, TimeUnit unit) {
      return false;
    }
  }
}
