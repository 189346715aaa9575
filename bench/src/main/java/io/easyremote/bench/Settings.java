package io.easyremote.bench;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/**
 * How long and how hard each scenario runs. The default mode aims at under 10 minutes on 2
 * cores, {@code --quick} at under 2 (fewer rounds, shorter windows, 1,000 simulated nodes).
 * {@code jitWarmup} is the relayed path's one-time warm-up: three JVMs compiling at once on 2
 * cores keep C2 busy for 20 s or more, and a cold relay measures the JIT, not the relay.
 * {@code warmup} is each path's short warm-up before every scenario.
 */
record Settings(
    boolean quick,
    Path logDir,
    Path repo,
    List<String> gatewayJvmOptions,
    List<String> nodeJvmOptions,
    Duration jitWarmup,
    Duration warmup,
    int latencyRounds,
    int latencyCalls,
    int throughputRounds,
    Duration throughputWindow,
    List<Integer> callerCounts,
    int payloadRounds,
    Duration headOfLineWindow,
    List<Integer> simulatedNodeSteps,
    int inFlightCalls,
    Duration idleWindow,
    int coldStarts) {

  static Settings of(boolean quick, Path repo, Path logDir, List<String> gatewayJvmOptions, List<String> nodeJvmOptions) {
    return quick
        ? new Settings(true, logDir, repo, gatewayJvmOptions, nodeJvmOptions, Duration.ofSeconds(8), Duration.ofSeconds(1), 3, 600, 1, Duration.ofMillis(800),
            List.of(1, 8, 32, 128), 1, Duration.ofSeconds(1), List.of(1000), 2000, Duration.ofSeconds(2), 3)
        : new Settings(false, logDir, repo, gatewayJvmOptions, nodeJvmOptions, Duration.ofSeconds(35), Duration.ofSeconds(3), 5, 3000, 3, Duration.ofSeconds(2),
            List.of(1, 8, 32, 128), 3, Duration.ofSeconds(3), List.of(1000, 10_000), 10_000, Duration.ofSeconds(5), 5);
  }

  /** The same settings with another warm-up time. */
  Settings withWarmup(Duration time) {
    return new Settings(quick, logDir, repo, gatewayJvmOptions, nodeJvmOptions, jitWarmup, time, latencyRounds, latencyCalls, throughputRounds,
        throughputWindow, callerCounts, payloadRounds, headOfLineWindow, simulatedNodeSteps, inFlightCalls, idleWindow, coldStarts);
  }
}
