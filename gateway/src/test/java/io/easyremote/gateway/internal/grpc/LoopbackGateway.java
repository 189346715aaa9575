package io.easyremote.gateway.internal.grpc;

import io.easyremote.gateway.Gateway;
import java.time.Duration;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * A bare gateway on a free loopback port for each test (no warm-up, no registration grace), which
 * raw callers and nodes ({@link RawCallChannel}, {@link RawNode}) talk to; closed after the test.
 */
final class LoopbackGateway implements BeforeEachCallback, AfterEachCallback {
  private Gateway gateway;

  @Override
  public void beforeEach(ExtensionContext context) {
    gateway = Gateway.builder().host("127.0.0.1").port(0).warmup(Duration.ZERO).registrationGrace(Duration.ZERO).build().start();
  }

  @Override
  public void afterEach(ExtensionContext context) {
    gateway.close();
  }

  /** This test's gateway. */
  Gateway gateway() {
    return gateway;
  }
}
