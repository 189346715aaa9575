package io.easyremote.architecture;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static org.assertj.core.api.Assertions.assertThat;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.lang.ArchRule;
import io.easyremote.architecture.fixture.UsesGatewayInternals;
import io.easyremote.architecture.fixture.UsesProtocolInternals;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The module rules of DESIGN.md, checked on the compiled classes of every module (main code; the
 * fixtures below prove the rules can fail).
 *
 * <ol>
 *   <li>Gateway, node and client never depend on each other, and protocol on none of them: a
 *       caller pulls in only {@code client + protocol}, a device owner only {@code node +
 *       protocol}.
 *   <li>No module uses another module's {@code internal} packages, with one exception: gateway,
 *       node and client may use {@code io.easyremote.protocol.internal}. Those are the wire helpers
 *       the three roles share to speak one protocol (proto conversion in {@code Wire}, the JSON
 *       payload codec, name rules, metadata keys, TLS failure wording); they are internal because
 *       users must not build on them, not because the roles must not share them. Everything above
 *       the roles ({@code testing}, {@code cli}, {@code examples}, {@code bench}) is written
 *       against public API only, like a user's code, and may use no {@code internal} package but
 *       its own.
 * </ol>
 */
class ModuleRulesTest {
  private static final String ROOT = "io.easyremote";
  private static final List<String> ROLES = List.of("gateway", "node", "client");
  private static final List<String> MODULES =
      List.of("protocol", "store", "cluster", "gateway", "node", "client", "testing", "cli", "examples", "bench");

  private static JavaClasses classes;

  @BeforeAll
  static void importEveryModule() {
    classes = new ClassFileImporter().withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS).importPackages(ROOT);
  }

  /** The roles that must not be reached from {@code role}. */
  static ArchRule rolesIndependent(String role) {
    List<String> others = new ArrayList<>();
    for (String other : ROLES) {
      if (!other.equals(role)) {
        others.add(ROOT + "." + other + "..");
      }
    }
    return noClasses().that().resideInAPackage(ROOT + "." + role + "..")
        .should().dependOnClassesThat().resideInAnyPackage(others.toArray(String[]::new))
        .because("gateway, node and client meet only through the protocol module");
  }

  /** No class outside {@code module} (and the roles, for protocol) touches {@code module}'s internal packages. */
  static ArchRule internalsStayInside(String module) {
    List<String> allowed = new ArrayList<>(List.of(ROOT + "." + module + ".."));
    if (module.equals("protocol")) {
      ROLES.forEach(role -> allowed.add(ROOT + "." + role + ".."));
    }
    return noClasses().that().resideOutsideOfPackages(allowed.toArray(String[]::new))
        .should().dependOnClassesThat().resideInAPackage(ROOT + "." + module + ".internal..")
        .because(module.equals("protocol")
            ? "protocol.internal holds the wire helpers shared by gateway, node and client only"
            : "a module's internal packages are its own");
  }

  @Test
  void importedClasses_comeFromEveryModule() {
    Map<String, String> oneClassPerModule = Map.of(
        "protocol", "io.easyremote.protocol.ErrorCode",
        "store", "io.easyremote.store.Store",
        "cluster", "io.easyremote.cluster.ClusterDirectory",
        "gateway", "io.easyremote.gateway.Gateway",
        "node", "io.easyremote.node.ComputeNode",
        "client", "io.easyremote.client.Client",
        "testing", "io.easyremote.testing.TestCluster",
        "cli", "io.easyremote.cli.Main",
        "examples", "io.easyremote.examples.QuickStart",
        "bench", "io.easyremote.bench.Bench");
    assertThat(oneClassPerModule.keySet()).containsExactlyInAnyOrderElementsOf(MODULES);
    oneClassPerModule.forEach((module, name) -> assertThat(classes.contain(name)).as("%s imported", name).isTrue());
  }

  @Test
  void gatewayNodeAndClient_neverDependOnEachOther() {
    for (String role : ROLES) {
      rolesIndependent(role).check(classes);
    }
    noClasses().that().resideInAPackage(ROOT + ".protocol..")
        .should().dependOnClassesThat().resideInAnyPackage(ROLES.stream().map(r -> ROOT + "." + r + "..").toArray(String[]::new))
        .check(classes);
  }

  @Test
  void cluster_neverDependsOnTheRoles() {
    noClasses().that().resideInAPackage(ROOT + ".cluster..")
        .should().dependOnClassesThat().resideInAnyPackage(ROLES.stream().map(r -> ROOT + "." + r + "..").toArray(String[]::new))
        .because("the cluster directory is an interface the gateway implements against, not a part of the gateway")
        .check(classes);
  }

  @Test
  void noModule_usesAnotherModulesInternals_exceptTheRolesSharingProtocolInternal() {
    for (String module : MODULES) {
      internalsStayInside(module).check(classes);
    }
  }

  @Test
  void rules_catchAViolation() {
    JavaClasses bad = new ClassFileImporter().importClasses(UsesGatewayInternals.class, UsesProtocolInternals.class);

    assertThat(internalsStayInside("gateway").evaluate(bad).getFailureReport().getDetails())
        .singleElement().asString().contains(UsesGatewayInternals.class.getName()).contains("io.easyremote.gateway.internal");
    assertThat(internalsStayInside("protocol").evaluate(bad).getFailureReport().getDetails())
        .anySatisfy(line -> assertThat(line).contains(UsesProtocolInternals.class.getName()).contains("io.easyremote.protocol.internal"));
  }
}
