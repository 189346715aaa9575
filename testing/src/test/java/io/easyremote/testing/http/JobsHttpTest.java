package io.easyremote.testing.http;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.easyremote.protocol.ErrorCode;
import io.easyremote.testing.TestCluster;
import java.io.BufferedReader;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/** Async jobs over HTTP on a gateway with an SQLite state directory: submit, poll, events, cancel, limits. */
class JobsHttpTest {
  /** Set by JUnit before the cluster starts (which reads it), deleted after the cluster has stopped. */
  @TempDir
  static Path state;

  @RegisterExtension
  static final TestCluster cluster = TestCluster.builder()
      .gateway(g -> g.state(state).maxRunningJobs(2).maxJobResultBytes(1000))
      .node("jobs-node", n -> n.register(new JobFunctions()).maxConcurrency(4))
      .build();

  private static JsonNode json(HttpResponse<String> response) throws Exception {
    return TestJson.mapper().readTree(response.body());
  }

  private static HttpResponse<String> submit(String function, String body, String... headers) throws Exception {
    return Http.post(cluster.address(), "/api/" + function + "?async=true", body, headers);
  }

  private static JsonNode status(String id) throws Exception {
    HttpResponse<String> r = Http.get(cluster.address(), "/api/jobs/" + id);
    assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
    return json(r);
  }

  private static JsonNode awaitState(String id, String state) {
    JsonNode[] last = new JsonNode[1];
    Awaitility.await("job " + id + " " + state).atMost(Duration.ofSeconds(20)).until(() -> {
      last[0] = status(id);
      return last[0].get("state").asText().equals(state);
    });
    return last[0];
  }

  private static HttpResponse<String> delete(String id) throws Exception {
    return Http.CLIENT.send(HttpRequest.newBuilder(URI.create("http://" + cluster.address() + "/api/jobs/" + id))
        .timeout(Duration.ofSeconds(20)).DELETE().build(), HttpResponse.BodyHandlers.ofString());
  }

  @Test
  void submit_preferRespondAsync_answers202WithLocation_andTheResultLater() throws Exception {
    HttpResponse<String> accepted = Http.post(cluster.address(), "/api/add", "[1, 2]", "prefer", "respond-async");
    assertThat(accepted.statusCode()).as(accepted.body()).isEqualTo(202);
    String id = json(accepted).get("id").asText();
    assertThat(id).startsWith("job_").hasSize(4 + 32);
    assertThat(accepted.headers().firstValue("location")).hasValue("/api/jobs/" + id);
    assertThat(accepted.headers().firstValue("preference-applied")).hasValue("respond-async");
    assertThat(json(accepted).get("state").asText()).isIn("queued", "running");

    JsonNode done = awaitState(id, "succeeded");
    assertThat(done.get("result").asInt()).isEqualTo(3);
    assertThat(done.get("nodeId").asText()).isEqualTo("jobs-node");
    assertThat(done.get("function").asText()).isEqualTo("add");
    assertThat(done.get("attempts").asInt()).isEqualTo(1);
    assertThat(done.has("finishedAt")).isTrue();
    assertThat(done.has("expiresAt")).isTrue();
  }

  @Test
  void submit_functionThatThrows_failsWithItsCode() throws Exception {
    String id = json(submit("fail", "[\"boom\"]")).get("id").asText();
    JsonNode failed = awaitState(id, "failed");
    assertThat(failed.get("error").get("code").asText()).isEqualTo("FUNCTION_FAILED");
    assertThat(failed.get("error").get("message").asText()).isEqualTo("boom");
  }

  @Test
  void jobs_beyondTheRunningLimit_waitQueuedWithPositions_andCancelFreesThem() throws Exception {
    int interruptedBefore = JobFunctions.interrupted.get();
    String a = json(submit("block", "[\"q-a\"]")).get("id").asText();
    String b = json(submit("block", "[\"q-b\"]")).get("id").asText();
    JsonNode runningA = awaitState(a, "running");
    Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> status(a).has("nodeId"));
    assertThat(status(a).get("nodeId").asText()).isEqualTo("jobs-node");
    assertThat(runningA.has("position")).isFalse();
    awaitState(b, "running");
    String c = json(submit("block", "[\"q-c\"]")).get("id").asText();
    String d = json(submit("block", "[\"q-d\"]")).get("id").asText();
    assertThat(status(c).get("state").asText()).isEqualTo("queued");
    assertThat(status(c).get("position").asInt()).isZero();
    assertThat(status(d).get("position").asInt()).isEqualTo(1);

    HttpResponse<String> cancelC = delete(c); // queued: cancelled without running
    assertThat(cancelC.statusCode()).as(cancelC.body()).isEqualTo(200);
    assertThat(json(cancelC).get("state").asText()).isEqualTo("cancelled");
    assertThat(status(d).get("position").asInt()).isZero();

    HttpResponse<String> cancelA = delete(a); // running: its node is told and interrupts it
    assertThat(json(cancelA).get("state").asText()).isEqualTo("cancelled");
    assertThat(json(cancelA).get("error").get("code").asText()).isEqualTo("CANCELLED");
    Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> JobFunctions.interrupted.get() > interruptedBefore);
    awaitState(d, "running"); // a freed slot goes to the next in line

    JobFunctions.release("q-b");
    JobFunctions.release("q-d");
    assertThat(awaitState(b, "succeeded").get("result").asText()).isEqualTo("released q-b");
    assertThat(awaitState(d, "succeeded").get("result").asText()).isEqualTo("released q-d");
    assertThat(json(delete(b)).get("state").asText()).as("a finished job keeps its outcome").isEqualTo("succeeded");
    assertThat(status(c).get("state").asText()).isEqualTo("cancelled");
  }

  @Test
  void events_streamStatusesUntilTheFinalOne() throws Exception {
    String id = json(submit("block", "[\"ev\"]")).get("id").asText();
    HttpResponse<InputStream> events = Http.CLIENT.send(HttpRequest.newBuilder(
            URI.create("http://" + cluster.address() + "/api/jobs/" + id + "/events")).GET().build(),
        HttpResponse.BodyHandlers.ofInputStream());
    assertThat(events.statusCode()).isEqualTo(200);
    assertThat(events.headers().firstValue("content-type").orElse("")).startsWith("text/event-stream");
    List<String> states = new ArrayList<>();
    try (BufferedReader reader = new BufferedReader(new InputStreamReader(events.body(), StandardCharsets.UTF_8))) {
      String line;
      while ((line = reader.readLine()) != null) {
        if (line.startsWith("data: ")) {
          states.add(TestJson.mapper().readTree(line.substring(6)).get("state").asText());
          if (states.size() == 1) {
            JobFunctions.release("ev");
          }
        }
      }
    }
    assertThat(states.get(0)).isIn("queued", "running");
    assertThat(states.get(states.size() - 1)).isEqualTo("succeeded");
  }

  @Test
  void result_largerThanTheStoreBound_failsThejobWithPayloadTooLarge() throws Exception {
    String id = json(submit("big", "[5000]")).get("id").asText();
    JsonNode failed = awaitState(id, "failed");
    assertThat(failed.get("error").get("code").asText()).isEqualTo("PAYLOAD_TOO_LARGE");
    assertThat(failed.get("error").get("message").asText()).contains("more than the 1000 bytes");
  }

  @Test
  void unknownJob_isNotFound_andBadSubmissionsAreRefusedBeforeStoring() throws Exception {
    HttpResponse<String> missing = Http.get(cluster.address(), "/api/jobs/job_0123456789abcdef0123456789abcdef");
    assertThat(missing.statusCode()).isEqualTo(404);
    assertThat(json(missing).get("code").asText()).isEqualTo(ErrorCode.JOB_NOT_FOUND.name());
    HttpResponse<String> badName = submit("no%20such", "[]");
    assertThat(badName.statusCode()).as(badName.body()).isEqualTo(400);
    HttpResponse<String> badTimeout = Http.post(cluster.address(), "/api/add?async=true&timeout=soon", "[1,2]");
    assertThat(json(badTimeout).get("code").asText()).isEqualTo("INVALID_REQUEST");
  }

  @Test
  void gatewayRestart_onTheSameState_keepsFinishedJobsAndRunsQueuedOnes() throws Exception {
    String done = json(submit("add", "[20, 22]")).get("id").asText();
    awaitState(done, "succeeded");
    cluster.restartGateway();
    Awaitility.await().atMost(Duration.ofSeconds(20)).until(() -> !cluster.gateway().functions().isEmpty());
    JsonNode after = status(done);
    assertThat(after.get("state").asText()).isEqualTo("succeeded");
    assertThat(after.get("result").asInt()).isEqualTo(42);
    String again = json(submit("add", "[1, 1]")).get("id").asText();
    assertThat(awaitState(again, "succeeded").get("result").asInt()).isEqualTo(2);
  }
}
