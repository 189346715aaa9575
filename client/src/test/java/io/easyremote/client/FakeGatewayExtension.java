package io.easyremote.client;

import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * Gives each test a fresh {@link FakeGateway} and a {@link Client} connected to it, set into the
 * test's fields of those types before {@code @BeforeEach} methods run, and closes both after the
 * test (the client first). Register it with {@code @ExtendWith(FakeGatewayExtension.class)}, or
 * as a {@code @RegisterExtension} field built with {@link #withClient} to configure the client.
 */
final class FakeGatewayExtension implements BeforeEachCallback, AfterEachCallback {
  private static final ExtensionContext.Namespace NAMESPACE = ExtensionContext.Namespace.create(FakeGatewayExtension.class);

  private final UnaryOperator<Client.Builder> configure;

  /** A default client ({@code Client.connect(address)}). */
  FakeGatewayExtension() {
    this(b -> b);
  }

  private FakeGatewayExtension(UnaryOperator<Client.Builder> configure) {
    this.configure = configure;
  }

  /** A client built by {@code configure} from a builder that already has the fake's address. */
  static FakeGatewayExtension withClient(UnaryOperator<Client.Builder> configure) {
    return new FakeGatewayExtension(configure);
  }

  @Override
  public void beforeEach(ExtensionContext context) throws Exception {
    FakeGateway gateway = FakeGateway.start();
    ExtensionContext.Store store = context.getStore(NAMESPACE);
    store.put(FakeGateway.class, gateway);
    Client client = configure.apply(Client.builder().gateway(gateway.address())).build();
    store.put(Client.class, client);
    Object test = context.getRequiredTestInstance();
    for (Class<?> type = test.getClass(); type != Object.class; type = type.getSuperclass()) {
      for (Field field : type.getDeclaredFields()) {
        if (Modifier.isStatic(field.getModifiers()) || Modifier.isFinal(field.getModifiers())) {
          continue;
        }
        if (field.getType() == FakeGateway.class) {
          field.setAccessible(true);
          field.set(test, gateway);
        } else if (field.getType() == Client.class) {
          field.setAccessible(true);
          field.set(test, client);
        }
      }
    }
  }

  @Override
  public void afterEach(ExtensionContext context) throws Exception {
    ExtensionContext.Store store = context.getStore(NAMESPACE);
    Client client = store.remove(Client.class, Client.class);
    FakeGateway gateway = store.remove(FakeGateway.class, FakeGateway.class);
    try {
      if (client != null) {
        client.close();
      }
    } finally {
      if (gateway != null) {
        gateway.close();
      }
    }
  }
}
