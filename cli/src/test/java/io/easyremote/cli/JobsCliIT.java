package io.easyremote.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code easyremote submit} and {@code easyremote job}: a job submitted by one process, read by id from others. */
class JobsCliIT {
  private final List<Process> processes = new ArrayList<>();

  @AfterEach
  void stop() throws InterruptedException {
    for (Process p : processes) {
      Jvm.stop(p);
    }
  }

  @Test
  void submit_thenJobFromOtherProcesses_printsStatusAndResult(@TempDir Path state) throws Exception {
    Path gatewayLog = Jvm.log("JobsCliIT-gateway");
    Process gateway = Jvm.start(gatewayLog, "gateway", "--port", "0", "--state", state.toString());
    processes.add(gateway);
    String gw = Jvm.awaitListening(gateway, gatewayLog);
    assertThat(Files.exists(state.resolve("easyremote.db"))).isTrue();
    Path nodeLog = Jvm.log("JobsCliIT-node");
    processes.add(Jvm.start(nodeLog, "node", "--gateway", gw, "--id", "cli-jobs"));
    Awaitility.await("the node's functions").atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(500))
        .until(() -> Jvm.run("functions", "--gateway", gw).out().contains("add"));

    Jvm.Run submit = Jvm.run("submit", "add", "20", "22", "--gateway", gw);
    assertThat(submit.exit()).as(submit.err()).isZero();
    String id = submit.out();
    assertThat(id).matches("job_[0-9a-f]{32}");

    Jvm.Run wait = Jvm.run("job", id, "--wait", "--gateway", gw);
    assertThat(wait.exit()).as(wait.err()).isZero();
    assertThat(wait.out()).isEqualTo("42");

    Jvm.Run status = Jvm.run("job", id, "--gateway", gw);
    assertThat(status.exit()).as(status.err()).isZero();
    assertThat(status.out()).contains("\"state\" : \"succeeded\"").contains("\"nodeId\" : \"cli-jobs\"").contains("\"id\" : \"" + id + "\"");

    Jvm.Run failing = Jvm.run("submit", "fail", "boom", "--gateway", gw);
    Jvm.Run failed = Jvm.run("job", failing.out(), "--wait", "--gateway", gw);
    assertThat(failed.exit()).isEqualTo(1);
    assertThat(failed.err()).startsWith("FUNCTION_FAILED: boom");

    Jvm.Run missing = Jvm.run("job", "job_00000000000000000000000000000000", "--gateway", gw);
    assertThat(missing.exit()).isEqualTo(1);
    assertThat(missing.err()).startsWith("JOB_NOT_FOUND: ");
  }
}
