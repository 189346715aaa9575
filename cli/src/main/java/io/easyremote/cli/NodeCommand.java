package io.easyremote.cli;

import io.easyremote.node.ComputeNode;
import java.io.File;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.function.Function;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code easyremote node}: serves @Remote methods until interrupted. */
@Command(name = "node", description = "Serves the @Remote methods of the given classes (or the built-in samples) until Ctrl-C.")
final class NodeCommand implements Callable<Integer> {
  private final Function<String, String> environment;

  @Spec
  CommandSpec spec;

  @Mixin
  GatewayAddress gateway;

  @Mixin
  TlsTrust tls;

  @Option(names = "--id", description = "Node id (default: hostname-pid).")
  String id;

  @Option(names = "--token", paramLabel = "TOKEN",
      description = "Node token. Visible to other users in ps: prefer --token-file or $EASYREMOTE_TOKEN.")
  String token;

  @Option(names = "--token-file", paramLabel = "FILE",
      description = "A file holding the node token. Without --token or --token-file, $EASYREMOTE_TOKEN is used.")
  Path tokenFile;

  @Option(names = "--max-concurrency", defaultValue = "16", description = "Calls run at once (default: ${DEFAULT-VALUE}).")
  int maxConcurrency;

  @Option(names = "--label", paramLabel = "KEY=VALUE", description = "A label callers can require, e.g. gpu=rtx4090.")
  Map<String, String> labels = new LinkedHashMap<>();

  @Option(names = "--cost", defaultValue = "0", description = "Declared cost per call.")
  double cost;

  @Option(names = "--classpath", paramLabel = "JAR[:JAR]", description = "Jars or folders holding the function classes.")
  String classpath;

  @Option(names = "--functions", paramLabel = "CLASS", arity = "1..*", description = "Classes whose @Remote methods to serve (no-arg constructor).")
  List<String> functions = new ArrayList<>();

  NodeCommand(Function<String, String> environment) {
    this.environment = environment;
  }

  /** The node token, from --token (warned about), --token-file or $EASYREMOTE_TOKEN; null for none. */
  String token() {
    return Secrets.resolve(Secrets.NODE_TOKEN, token, tokenFile, Main.env(environment, "EASYREMOTE_TOKEN"), spec.commandLine().getErr());
  }

  @Override
  public Integer call() throws Exception {
    ComputeNode.Builder builder = ComputeNode.builder().gateway(gateway.address()).maxConcurrency(maxConcurrency).cost(cost);
    builder.token(token());
    if (tls.enabled()) {
      Path ca = tls.ca();
      if (ca == null) {
        builder.tls();
      } else {
        builder.tls(ca);
      }
    }
    if (id != null) {
      builder.id(id);
    }
    labels.forEach(builder::label);
    if (functions.isEmpty()) {
      String nodeId = id != null ? id : ComputeNode.defaultId();
      builder.id(nodeId).register(new SampleFunctions(nodeId));
    } else {
      ClassLoader loader = loader();
      for (String name : functions) {
        builder.register(instantiate(loader, name));
      }
    }
    ComputeNode node = builder.build().start();
    Runtime.getRuntime().addShutdownHook(new Thread(node::close, "easyremote-shutdown"));
    List<String> names = node.functions().stream().sorted().toList();
    System.out.println("Node " + node.id() + " serving " + names.size() + " functions (" + String.join(", ", names) + ") via " + gateway.address());
    System.out.flush();
    node.awaitTermination();
    return 0;
  }

  private ClassLoader loader() throws Exception {
    if (classpath == null || classpath.isBlank()) {
      return getClass().getClassLoader();
    }
    List<URL> urls = new ArrayList<>();
    for (String entry : classpath.split(File.pathSeparator)) {
      File file = new File(entry);
      if (!file.exists()) {
        throw new IllegalArgumentException("--classpath entry does not exist: " + entry);
      }
      urls.add(file.toURI().toURL());
    }
    return new URLClassLoader(urls.toArray(URL[]::new), getClass().getClassLoader());
  }

  private static Object instantiate(ClassLoader loader, String name) {
    Class<?> type;
    try {
      type = Class.forName(name, true, loader);
    } catch (ClassNotFoundException e) {
      throw new IllegalArgumentException("Class " + name + " not found; pass its jar with --classpath");
    }
    try {
      return type.getConstructor().newInstance();
    } catch (NoSuchMethodException e) {
      throw new IllegalArgumentException(name + " needs a public no-arg constructor");
    } catch (ReflectiveOperationException e) {
      throw new IllegalArgumentException("Cannot create " + name + ": " + e.getCause(), e);
    }
  }
}
