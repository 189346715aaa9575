package io.easyremote.gateway.internal.core;

import static io.easyremote.gateway.internal.core.CoreFixture.fn;
import static io.easyremote.gateway.internal.core.CoreFixture.hello;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.easyremote.protocol.ErrorCode;
import org.junit.jupiter.api.Test;

class LocalRoutingTableTest {
  private static final RoutingTable.Sharing NO_SHARING = (function, owner, newcomer) -> false;

  private final CoreFixture fx = new CoreFixture();
  private final LocalRoutingTable table = new LocalRoutingTable(fx.lock, 60_000_000_000L);

  @Test
  void add_indexesByIdAndFunction_removeTakesItOut() throws Exception {
    NodeSession a = fx.node(hello("a", 2, fn("f"), fn("g")), "alice").session();
    assertThat(table.add(a, NO_SHARING, fx.clock.nanoTime())).isNull();
    assertThat(table.node("a")).isSameAs(a);
    assertThat(table.offering("f")).containsExactly(a);
    assertThat(table.functions()).containsOnlyKeys("f", "g");

    assertThat(table.remove(a, fx.clock.nanoTime())).isTrue();
    assertThat(table.remove(a, fx.clock.nanoTime())).isFalse();
    assertThat(a.removed()).isTrue();
    assertThat(table.offering("f")).isEmpty();
    assertThat(table.nodes()).isEmpty();
  }

  @Test
  void add_sameIdSameOwner_replacesTheStaleSession() throws Exception {
    NodeSession first = fx.node(hello("a", 2, fn("f")), "alice").session();
    NodeSession second = fx.node(hello("a", 2, fn("f")), "alice").session();
    table.add(first, NO_SHARING, fx.clock.nanoTime());
    assertThat(table.add(second, NO_SHARING, fx.clock.nanoTime())).isSameAs(first);
    assertThat(first.removed()).isTrue();
    assertThat(table.offering("f")).containsExactly(second);
  }

  @Test
  void add_functionServedUnderAnotherToken_isRefused() throws Exception {
    table.add(fx.node(hello("a", 2, fn("f")), "alice").session(), NO_SHARING, fx.clock.nanoTime());
    NodeSession squatter = fx.node(hello("m", 2, fn("f")), "mallory").session();
    assertThatThrownBy(() -> table.add(squatter, NO_SHARING, fx.clock.nanoTime()))
        .isInstanceOfSatisfying(RegistrationException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.PERMISSION_DENIED))
        .hasMessageContaining("already served under token 'alice'");
    assertThat(table.offering("f")).hasSize(1);
  }

  @Test
  void add_whileTheOwnerReconnects_nameStaysHeldUntilReleased() throws Exception {
    NodeSession alice = fx.node(hello("a", 2, fn("f")), "alice").session();
    table.add(alice, NO_SHARING, fx.clock.nanoTime());
    table.remove(alice, fx.clock.nanoTime());
    NodeSession squatter = fx.node(hello("m", 2, fn("f")), "mallory").session();
    assertThatThrownBy(() -> table.add(squatter, NO_SHARING, fx.clock.nanoTime())).hasMessageContaining("belongs to token 'alice'");

    assertThat(table.release("f")).isTrue();
    assertThat(table.add(squatter, NO_SHARING, fx.clock.nanoTime())).isNull();
  }

  @Test
  void add_sharingAllowed_letsTwoOwnersServeOneName() throws Exception {
    table.add(fx.node(hello("a", 2, fn("f")), "alice").session(), NO_SHARING, fx.clock.nanoTime());
    table.add(fx.node(hello("b", 2, fn("f")), "bob").session(), (function, owner, newcomer) -> true, fx.clock.nanoTime());
    assertThat(table.offering("f")).hasSize(2);
  }

  @Test
  void visibleTo_hidesWhatTheGrantMayNotSee() throws Exception {
    table.add(fx.node(hello("a", 2, fn("public"), fn("secret")), null).session(), NO_SHARING, fx.clock.nanoTime());
    CallGrant onlyPublic = new CallGrant() {
      @Override public io.easyremote.protocol.wire.Error authorize(String function) { return null; }
      @Override public io.easyremote.protocol.wire.Error admit(String function, io.easyremote.protocol.wire.FunctionSpec spec) { return null; }
      @Override public void release() {}
      @Override public String principal() { return "p"; }
      @Override public boolean maySee(String function, io.easyremote.protocol.wire.FunctionSpec spec) { return function.equals("public"); }
      @Override public boolean may(Permission permission) { return false; }
      @Override public String idempotencyScope() { return "p"; }
    };
    assertThat(table.visibleTo(onlyPublic)).containsExactly("public");
    assertThat(table.visibleTo(CallGrant.OPEN)).containsExactly("public", "secret");
  }
}
