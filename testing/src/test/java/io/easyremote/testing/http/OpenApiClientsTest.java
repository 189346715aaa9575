package io.easyremote.testing.http;

import static org.assertj.core.api.Assertions.assertThat;

import io.easyremote.testing.SampleFunctions;
import io.easyremote.testing.TestCluster;
import java.io.IOException;
import java.io.InputStream;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import javax.tools.JavaCompiler;
import javax.tools.ToolProvider;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * /openapi.json as third-party tools use it: Redocly's linter with its strict recommended rules
 * finds no problem, and openapi-generator turns it into a Java client and a TypeScript client
 * that compile and call {@code add} and {@code big} (a Java {@code long}) with a value above 2^31.
 */
class OpenApiClientsTest {
  private static final String INSTALL = "run scripts/install-test-deps.sh first (it installs @redocly/cli and typescript into .tools)";
  private static final Path ROOT = Path.of("..").toAbsolutePath().normalize();
  private static final Path GENERATOR = Path.of("target", "tools", "openapi-generator-cli.jar").toAbsolutePath();

  @RegisterExtension
  static final TestCluster cluster = TestCluster.builder().node("gen", n -> n.register(new SampleFunctions("gen"))).build();

  @TempDir
  static Path work;

  private static Path document;

  @BeforeAll
  static void fetchDocument() throws Exception {
    document = work.resolve("openapi.json");
    Files.writeString(document, Http.get(cluster.address(), "/openapi.json").body());
  }

  @Test
  void redoclyLint_recommendedStrict_noProblems() throws Exception {
    Path cli = ROOT.resolve(".tools/node_modules/@redocly/cli/bin/cli.js");
    assertThat(cli).as(INSTALL).exists();
    Path config = work.resolve("redocly.yaml");
    Files.writeString(config, "extends:\n  - recommended-strict\n"); // every recommended rule, warnings as errors
    String out = run(work, List.of("node", cli.toString(), "lint", "--config", config.toString(), document.toString()), 0);
    assertThat(out).contains("Your API description is valid").doesNotContain("warning");
  }

  @Test
  @org.junit.jupiter.api.Tag("soak") // generates and compiles a client: run by .ci/run
  void javaClient_generated_compilesAndCallsAddAndALongAbove2To31() throws Exception {
    Path out = generate("java", "--library", "native", "--additional-properties",
        "openApiNullable=false,useJakartaEe=true,hideGenerationTimestamp=true,apiPackage=gen.api,modelPackage=gen.model,invokerPackage=gen");
    Path sources = out.resolve("src/main/java");
    Files.writeString(sources.resolve("gen/Smoke.java"), """
        package gen;

        public final class Smoke {
          public static String run(String url) throws Exception {
            ApiClient client = new ApiClient();
            client.updateBaseUri(url);
            gen.api.FunctionsApi api = new gen.api.FunctionsApi(client);
            Integer sum = api.add(new gen.model.AddArguments().a(2).b(3), null, null, null, null, null, null);
            Long big = api.big(new gen.model.BigArguments().value(3_000_000_000L), null, null, null, null, null, null);
            return sum + " " + big;
          }
        }
        """);
    List<String> files;
    try (Stream<Path> walk = Files.walk(sources)) {
      files = walk.filter(f -> f.toString().endsWith(".java")).map(Path::toString).toList();
    }
    Path classes = Files.createDirectories(work.resolve("java-classes"));
    JavaCompiler javac = ToolProvider.getSystemJavaCompiler();
    List<String> args = new ArrayList<>(List.of("-d", classes.toString(), "-classpath", System.getProperty("java.class.path"),
        "-proc:none", "-nowarn"));
    args.addAll(files);
    java.io.ByteArrayOutputStream errors = new java.io.ByteArrayOutputStream();
    assertThat(javac.run(null, null, errors, args.toArray(String[]::new))).as(errors.toString()).isZero();
    try (URLClassLoader loader = new URLClassLoader(new URL[] {classes.toUri().toURL()}, getClass().getClassLoader())) {
      Object result = loader.loadClass("gen.Smoke").getMethod("run", String.class).invoke(null, "http://" + cluster.address());
      assertThat(result).isEqualTo("5 6000000000");
    }
  }

  @Test
  @org.junit.jupiter.api.Tag("soak") // generates and compiles a client: run by .ci/run
  void typescriptClient_generated_compilesAndCallsAddAndALongAbove2To31() throws Exception {
    Path tsc = ROOT.resolve(".tools/node_modules/typescript/bin/tsc");
    assertThat(tsc).as(INSTALL).exists();
    Path out = generate("typescript-fetch");
    Files.writeString(out.resolve("main.ts"), """
        declare const process: { argv: string[]; exit(code: number): never };
        import { Configuration, FunctionsApi } from './index';

        async function main() {
          const api = new FunctionsApi(new Configuration({ basePath: process.argv[2] }));
          const sum = await api.add({ addArguments: { a: 2, b: 3 } });
          const big = await api.big({ bigArguments: { value: 3000000000 } });
          console.log(JSON.stringify({ sum, big }));
        }
        main().catch((e) => { console.error(e); process.exit(1); });
        """);
    Files.writeString(out.resolve("tsconfig.json"), """
        {"compilerOptions": {"target": "es2022", "module": "commonjs", "lib": ["es2022", "dom"], "strict": true,
         "skipLibCheck": true, "types": [], "outDir": "out"}, "files": ["main.ts"]}
        """);
    run(out, List.of("node", tsc.toString(), "-p", "."), 0);
    String printed = run(out, List.of("node", "out/main.js", "http://" + cluster.address()), 0);
    assertThat(printed.trim()).isEqualTo("{\"sum\":5,\"big\":6000000000}");
  }

  private static Path generate(String generator, String... options) throws Exception {
    assertThat(GENERATOR).as("the build copies openapi-generator-cli into target/tools (testing/pom.xml)").exists();
    Path out = work.resolve("gen-" + generator);
    List<String> command = new ArrayList<>(List.of(javaLauncher(), "-jar", GENERATOR.toString(), "generate", "-i", document.toString(),
        "-g", generator, "-o", out.toString(), "--global-property", "apiTests=false,modelTests=false,apiDocs=false,modelDocs=false"));
    command.addAll(List.of(options));
    run(work, command, 0);
    return out;
  }

  private static String javaLauncher() {
    return Path.of(System.getProperty("java.home"), "bin", "java").toString();
  }

  /** Runs a command; returns its output, failing with it when the exit code differs. */
  private static String run(Path dir, List<String> command, int expectedExit) throws Exception {
    Process process;
    try {
      process = new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true).start();
    } catch (IOException e) {
      throw new AssertionError(command.get(0) + " is missing: " + INSTALL, e);
    }
    CompletableFuture<String> output = CompletableFuture.supplyAsync(() -> read(process.getInputStream()));
    assertThat(process.waitFor(120, TimeUnit.SECONDS)).as(String.join(" ", command)).isTrue();
    String out = output.get(5, TimeUnit.SECONDS);
    assertThat(process.exitValue()).as(String.join(" ", command) + "\n" + out).isEqualTo(expectedExit);
    return out;
  }

  private static String read(InputStream in) {
    try {
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }
}
