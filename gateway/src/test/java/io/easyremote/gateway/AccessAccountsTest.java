package io.easyremote.gateway;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Every key and token belongs to a credits account: the one it names, else its own name. */
class AccessAccountsTest {
  @Test
  void yaml_withAndWithoutAccount_givesEachKeyAndTokenItsAccount(@TempDir Path dir) throws Exception {
    Path file = dir.resolve("gateway.yaml");
    Files.writeString(file, """
        nodeTokens:
          - {name: gpu-box, hash: "sha256:00", functions: ["*"], account: carol}
        clientKeys:
          - {name: alice, hash: "sha256:01", functions: ["*"]}
          - {name: "bob laptop", hash: "sha256:02", functions: ["*"], account: bob}
          - {name: "odd name", hash: "sha256:03", functions: ["*"]}
        """);
    Access access = Access.fromYaml(file);
    assertThat(access.tokenAccount("gpu-box")).isEqualTo("carol");
    assertThat(access.keyAccount("alice")).isEqualTo("alice");
    assertThat(access.keyAccount("bob laptop")).isEqualTo("bob");
    assertThat(access.keyAccount("odd name")).isNull();
    assertThat(access.accounts()).containsExactly("alice", "bob", "carol");
  }

  @Test
  void account_invalidOrSystem_isRefusedNamingTheKey() {
    assertThatThrownBy(() -> Access.builder().clientKey("k", "secret", List.of("*"), 0, 0, "bad account", Access.Scope.CALL))
        .hasMessageContaining("client key 'k'");
    assertThatThrownBy(() -> Access.builder().nodeToken("t", "secret", List.of("*"), List.of("*"), "mint"))
        .hasMessageContaining("system account");
  }
}
