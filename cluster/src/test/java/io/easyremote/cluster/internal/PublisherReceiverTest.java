package io.easyremote.cluster.internal;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import io.easyremote.cluster.DirectoryChange;
import io.easyremote.cluster.LocalNode;
import io.easyremote.cluster.NodeHealth;
import io.easyremote.cluster.internal.proto.DirectoryMessage;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** The directory's versioning and cutting rules, between a Publisher and a Receiver without NATS in between. */
class PublisherReceiverTest {
  private static final int MAX_BYTES = 16 << 10;
  private final List<String> syncAsked = new ArrayList<>();
  private final Receiver receiver = new Receiver("gw-self", "easyremote.dir", Duration.ofMillis(2500), Duration.ofMillis(500),
      200_000, syncAsked::add);
  private final List<DirectoryChange.Kind> changes = new ArrayList<>();

  PublisherReceiverTest() {
    receiver.addListener(ch -> changes.add(ch.kind()));
  }

  private static List<LocalNode> nodes(int from, int to) {
    List<LocalNode> list = new ArrayList<>();
    for (int i = from; i < to; i++) {
      list.add(new LocalNode("node-" + i, Set.of("f" + (i % 5), "common"), 4, i % 4, NodeHealth.UP, Map.of("zone", "eu-" + (i % 2)), 1));
    }
    return list;
  }

  private void deliver(List<DirectoryMessage> messages, long now) {
    for (DirectoryMessage m : messages) {
      assertThat(m.getSerializedSize()).as("message size").isLessThanOrEqualTo(MAX_BYTES + 1024);
      receiver.onMessage("easyremote.dir." + m.getGatewayId(), m.toByteArray(), now);
    }
  }

  @Test
  void update_tenThousandNodes_cutIntoBoundedDeltasThatRebuildEveryNode() {
    Publisher publisher = new Publisher("gw-a", 7, MAX_BYTES);
    List<DirectoryMessage> deltas = publisher.update(nodes(0, 10_000));
    assertThat(deltas).hasSizeGreaterThan(5);
    deliver(deltas, 1);
    assertThat(receiver.view().gateway("gw-a").orElseThrow().nodes()).hasSize(10_000);
    assertThat(receiver.view().offers("common").get(0).nodeIds()).hasSize(10_000);
    assertThat(receiver.view().offers("common").get(0).freeSlots()).isEqualTo(10_000 * 4 - 2500 * (0 + 1 + 2 + 3));
    assertThat(receiver.view().node("node-9999").orElseThrow().labels()).containsEntry("zone", "eu-1");
    assertThat(syncAsked).isEmpty();

    // Only what changed travels: one node leaves, one joins.
    List<LocalNode> next = nodes(1, 10_001);
    List<DirectoryMessage> change = publisher.update(next);
    assertThat(change).hasSize(1);
    assertThat(change.get(0).getSerializedSize()).isLessThan(300);
    deliver(change, 2);
    assertThat(receiver.view().node("node-0")).isEmpty();
    assertThat(receiver.view().node("node-10000")).isPresent();
    // The per-function node lists follow the delta too (updated for the touched functions only).
    assertThat(receiver.view().offers("common").get(0).nodeIds()).hasSize(10_000).contains("node-10000").doesNotContain("node-0");
    assertThat(receiver.view().offers("f0").get(0).nodeIds()).hasSize(2000).contains("node-10000").doesNotContain("node-0");
    assertThat(receiver.view().offers("f1").get(0).nodeIds()).hasSize(2000).contains("node-1");
    // Load alone changes no membership: no delta at all.
    assertThat(publisher.update(next.stream().map(n -> LocalNode.of(n.id(), n.functions(), 4, 0)).toList())
        .stream().filter(DirectoryMessage::hasDelta).count()).isPositive(); // labels and cost differ: a membership change
  }

  @Test
  void update_idempotentFunctions_reachTheOthers_andAChangeOfThemIsADelta() {
    Publisher publisher = new Publisher("gw-a", 7, MAX_BYTES);
    LocalNode plain = new LocalNode("n", Set.of("lookup", "charge"), 4, 0, NodeHealth.UP, Map.of(), 0);
    deliver(publisher.update(List.of(plain)), 1);
    assertThat(receiver.view().gateway("gw-a").orElseThrow().nodes().get("n").idempotent()).isEmpty();

    List<DirectoryMessage> delta = publisher.update(List.of(new LocalNode("n", Set.of("lookup", "charge"), 4, 0, NodeHealth.UP, Map.of(), 0,
        Set.of("lookup"))));
    deliver(delta, 2);

    assertThat(delta).hasSize(1);
    assertThat(receiver.view().gateway("gw-a").orElseThrow().nodes().get("n").idempotent()).containsExactly("lookup");
  }

  @Test
  void update_functionSpecs_travelOncePerFunction_aChangeAloneIsADelta_andALateReceiverGetsThemBySnapshot() {
    Publisher publisher = new Publisher("gw-a", 7, MAX_BYTES);
    Map<String, ByteString> specs = Map.of("f0", ByteString.copyFromUtf8("spec f0"), "common", ByteString.copyFromUtf8("spec common"));
    List<DirectoryMessage> first = publisher.update(nodes(0, 1000), specs);
    assertThat(first.stream().mapToInt(m -> m.getDelta().getSpecsCount()).sum()).as("each spec once, not per node").isEqualTo(2);
    deliver(first, 1);
    assertThat(receiver.view().gateway("gw-a").orElseThrow().specs()).isEqualTo(specs);

    assertThat(publisher.update(nodes(0, 1000), specs)).as("nothing changed").isEmpty();
    List<DirectoryMessage> changed = publisher.update(nodes(0, 1000), Map.of("f0", ByteString.copyFromUtf8("spec f0 v2"),
        "common", ByteString.copyFromUtf8("spec common")));
    assertThat(changed).hasSize(1);
    assertThat(changed.get(0).getDelta().getSpecsCount()).isEqualTo(1);
    deliver(changed, 2);
    assertThat(receiver.view().gateway("gw-a").orElseThrow().specs().get("f0").toStringUtf8()).isEqualTo("spec f0 v2");

    Receiver late = new Receiver("gw-late", "easyremote.dir", Duration.ofMillis(2500), Duration.ofMillis(500), 200_000, id -> { });
    late.onMessage("easyremote.dir.gw-a", publisher.heartbeat().toByteArray(), 3);
    for (DirectoryMessage part : publisher.snapshot()) {
      late.onMessage("easyremote.dir.gw-a", part.toByteArray(), 4);
    }
    assertThat(late.view().gateway("gw-a").orElseThrow().specs()).containsOnlyKeys("f0", "common");
  }

  @Test
  void receiver_missedDelta_asksForSnapshotAndConvergesAfterIt() {
    Publisher publisher = new Publisher("gw-a", 7, MAX_BYTES);
    deliver(publisher.update(nodes(0, 10)), 1);
    publisher.update(nodes(0, 20)); // lost on the way
    deliver(publisher.update(nodes(0, 30)), 2); // seq 3 after 1: a gap
    assertThat(syncAsked).containsExactly("gw-a");
    assertThat(receiver.view().gateway("gw-a").orElseThrow().nodes()).hasSize(10); // the old entries stay visible meanwhile
    deliver(List.of(publisher.heartbeat()), 3);
    assertThat(syncAsked).hasSize(1); // asked again only after the retry interval
    deliver(publisher.snapshot(), 4);
    assertThat(receiver.view().gateway("gw-a").orElseThrow().nodes()).hasSize(30);
    deliver(publisher.update(nodes(0, 31)), 5);
    assertThat(receiver.view().gateway("gw-a").orElseThrow().nodes()).hasSize(31);
    assertThat(changes).startsWith(DirectoryChange.Kind.JOINED).doesNotContain(DirectoryChange.Kind.EXPIRED);
  }

  @Test
  void receiver_joinsLate_waitsForSnapshotOfManyParts() {
    Publisher publisher = new Publisher("gw-a", 7, MAX_BYTES);
    publisher.update(nodes(0, 5000)); // before this receiver listened
    deliver(List.of(publisher.heartbeat()), 1);
    assertThat(receiver.view().gateway("gw-a")).isEmpty();
    assertThat(syncAsked).containsExactly("gw-a");
    List<DirectoryMessage> parts = publisher.snapshot();
    assertThat(parts).hasSizeGreaterThan(2);
    deliver(parts.subList(0, parts.size() - 1), 2);
    assertThat(receiver.view().gateway("gw-a")).as("incomplete snapshot").isEmpty();
    deliver(parts.subList(parts.size() - 1, parts.size()), 3);
    assertThat(receiver.view().gateway("gw-a").orElseThrow().nodes()).hasSize(5000);
  }

  @Test
  void receiver_newEpochOrSilence_dropsTheOldEntries() {
    Publisher first = new Publisher("gw-a", 1, MAX_BYTES);
    deliver(first.update(nodes(0, 3)), 0);
    Publisher restarted = new Publisher("gw-a", 2, MAX_BYTES);
    deliver(List.of(restarted.heartbeat()), 1);
    assertThat(changes).containsExactly(DirectoryChange.Kind.JOINED, DirectoryChange.Kind.RESTARTED, DirectoryChange.Kind.JOINED);
    assertThat(receiver.view().gateway("gw-a").orElseThrow().nodes()).isEmpty();
    receiver.expire(Duration.ofMillis(2400).toNanos());
    assertThat(receiver.view().gateway("gw-a")).isPresent();
    receiver.expire(Duration.ofMillis(2600).toNanos());
    assertThat(receiver.view().gateway("gw-a")).isEmpty();
    assertThat(changes).endsWith(DirectoryChange.Kind.EXPIRED);
  }
}
