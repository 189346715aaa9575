package io.easyremote.bench;

/** One benchmark scenario: runs bounded work and reports a {@link Section}. */
interface Scenario {
  /** The short name {@code --only} selects it by. */
  String id();

  /** Runs it; {@code lab} holds the shared gateway, node and baselines. */
  Section run(Lab lab, Settings settings) throws Exception;
}
