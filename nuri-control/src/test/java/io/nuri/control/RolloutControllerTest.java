package io.nuri.control;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.nuri.api.model.Event;
import io.nuri.api.model.Instance;
import io.nuri.api.model.InstanceState;
import io.nuri.api.model.Revision;
import io.nuri.api.model.StoredApp;
import io.nuri.control.RolloutStatus.Phase;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/** Rolling updates, progress deadline and automatic rollback, with real processes. */
class RolloutControllerTest extends ControllerTestSupport {

    @Test
    void aRollingUpdateStaysWithinMaxSurgeAndMaxUnavailableAtEverySampledMoment() throws Exception {
        String rollout = "{maxSurge: 1, maxUnavailable: 1}";
        apply(sample("web", 4, "v1", rollout));
        awaitPhase("web", Phase.Complete, 1);

        AtomicInteger most = new AtomicInteger();
        AtomicInteger fewestReady = new AtomicInteger(Integer.MAX_VALUE);
        AtomicInteger samples = new AtomicInteger();
        AtomicBoolean sampling = new AtomicBoolean(true);
        Thread sampler = Thread.ofPlatform().start(() -> {
            while (sampling.get()) {
                List<Instance> all = instances("web");
                long counted = all.stream().filter(i -> i.state() != InstanceState.Terminating).count();
                long ready = all.stream().filter(i -> i.state() == InstanceState.Ready).count();
                most.accumulateAndGet((int) counted, Math::max);
                fewestReady.accumulateAndGet((int) ready, Math::min);
                samples.incrementAndGet();
                try {
                    Thread.sleep(10);
                } catch (InterruptedException e) {
                    return;
                }
            }
        });
        try {
            assertThat(apply(sample("web", 4, "v2", rollout)).getFirst().revision()).isEqualTo(2);
            awaitPhase("web", Phase.Complete, 2);
        } finally {
            sampling.set(false);
            sampler.join();
        }
        assertThat(samples.get()).as("samples taken during the rollout").isGreaterThan(10);
        assertThat(most.get()).as("instances (not Terminating) never above replicas + maxSurge").isLessThanOrEqualTo(5);
        assertThat(fewestReady.get()).as("Ready never below replicas - maxUnavailable").isGreaterThanOrEqualTo(3);
        assertThat(ready("web")).hasSize(4).allSatisfy(i -> assertThat(i.revision()).isEqualTo(2));
        await("old instances gone").atMost(LONG).until(() -> instances("web").size() == 4);
        assertThat(rollouts.history("default", "web").revisions()).extracting(RolloutService.RevisionInfo::cause)
                .containsExactly("created", "env APP_VERSION: v1 -> v2");
    }

    @Test
    void anOldInstanceStopsOnlyOnceTheNewOneHasBeenReadyForMinReadySeconds() throws Exception {
        String rollout = "{maxSurge: 1, maxUnavailable: 0, minReadySeconds: 2}";
        apply(sample("slow", 1, "v1", rollout));
        awaitPhase("slow", Phase.Complete, 1);
        String oldId = instances("slow").getFirst().id();
        apply(sample("slow", 1, "v2", rollout));
        awaitPhase("slow", Phase.Complete, 2);
        Instance fresh = instances("slow").stream().filter(i -> i.revision() == 2).findFirst().orElseThrow();
        Instant stopping = store.events("default", "slow", 0, 1000).stream()
                .filter(e -> e.reason().equals("Stopping") && oldId.equals(e.instance()))
                .map(Event::time).findFirst().orElseThrow();
        assertThat(stopping).as("old stopped at %s, new ready at %s", stopping, fresh.readyAt())
                .isAfterOrEqualTo(fresh.readyAt().plusSeconds(2));
        // ... and not much later: the controller requeued at that moment instead of polling.
        assertThat(Duration.between(fresh.readyAt().plusSeconds(2), stopping)).isLessThan(Duration.ofSeconds(2));
    }

    @Test
    void aRevisionThatCrashesAtStartIsRolledBackAtTheDeadlineAndTheOldInstancesNeverStop() throws Exception {
        String rollout = "{progressDeadlineSeconds: 5}";
        apply(sample("crashy", 2, "v1", rollout));
        awaitPhase("crashy", Phase.Complete, 1);
        Set<Long> oldPids = instances("crashy").stream().map(Instance::pid).collect(Collectors.toSet());

        String broken = """
                apiVersion: nuri.io/v1
                kind: App
                metadata: {name: crashy}
                spec:
                  run: {command: ["sh", "-c", "echo boom; exit 1"]}
                  replicas: 2
                  rollout: %s
                """.formatted(rollout);
        Instant applied = Instant.now();
        assertThat(apply(broken).getFirst().revision()).isEqualTo(2);
        AtomicBoolean oldAlwaysThere = new AtomicBoolean(true);
        await("rolled back").atMost(LONG).pollInterval(Duration.ofMillis(50)).until(() -> {
            List<Instance> now = instances("crashy");
            Set<Long> pids = now.stream().filter(i -> i.revision() == 1 && i.state() == InstanceState.Ready)
                    .map(Instance::pid).collect(Collectors.toSet());
            if (!pids.equals(oldPids)) {
                oldAlwaysThere.set(false);
            }
            return rollouts.status("default", "crashy").phase() == Phase.RolledBack;
        });
        assertThat(Duration.between(applied, Instant.now())).as("rolled back at the deadline, not long after")
                .isBetween(Duration.ofSeconds(5), Duration.ofSeconds(9));
        assertThat(oldAlwaysThere).as("both v1 instances stayed Ready with the same pids").isTrue();
        assertThat(oldPids).allMatch(ControllerTestSupport::alive);

        StoredApp app = store.app("default", "crashy").orElseThrow();
        assertThat(app.revision()).isEqualTo(1);
        assertThat(app.app().spec().env()).containsEntry("APP_VERSION", "v1");
        List<Event> events = store.events("default", "crashy", 0, 1000);
        assertThat(events).anySatisfy(e -> {
            assertThat(e.reason()).isEqualTo("RolloutFailed");
            assertThat(e.type()).isEqualTo(Event.WARNING);
            assertThat(e.message()).isEqualTo("revision 2 not available after 5 s: 0/2 ready; last: exit code 1");
        });
        assertThat(events).anySatisfy(e -> {
            assertThat(e.reason()).isEqualTo("RolledBack");
            assertThat(e.message()).startsWith("rolled back from revision 2 to 1: revision 2 not available");
        });
        await("the broken instance is gone").atMost(LONG)
                .until(() -> instances("crashy").stream().allMatch(i -> i.revision() == 1));

        // The status survives a restart of the controller (it is in the store), and so do the instances.
        controller.close();
        controller = null;
        startController();
        RolloutService.View after = rollouts.status("default", "crashy");
        assertThat(after.phase()).isEqualTo(Phase.RolledBack);
        assertThat(after.fromRevision()).isEqualTo(2);
        assertThat(after.message()).contains("exit code 1");
        Thread.sleep(500);
        assertThat(instances("crashy")).extracting(Instance::pid).containsExactlyInAnyOrderElementsOf(oldPids);
        List<RolloutStatus.Entry> log = rollouts.history("default", "crashy").rollouts();
        assertThat(log).extracting(RolloutStatus.Entry::revision).containsExactly(1, 2, 1);
        assertThat(log).extracting(RolloutStatus.Entry::result).containsExactly(Phase.Complete, Phase.Failed,
                Phase.RolledBack);
    }

    @Test
    void aPausedAppKeepsItsInstancesUntilResumedAndApplyDoesNotUnpauseIt() throws Exception {
        apply(sample("held", 1, "v1", "{}"));
        awaitPhase("held", Phase.Complete, 1);
        long pid = instances("held").getFirst().pid();
        rollouts.pause("default", "held");
        assertThat(apply(sample("held", 1, "v2", "{}")).getFirst().revision()).isEqualTo(2);
        assertThat(store.app("default", "held").orElseThrow().app().spec().rollout().paused()).isTrue();
        awaitPhase("held", Phase.Paused, 2);
        Thread.sleep(1500);
        assertThat(instances("held")).singleElement().satisfies(i -> {
            assertThat(i.pid()).isEqualTo(pid);
            assertThat(i.revision()).isEqualTo(1);
        });
        rollouts.resume("default", "held");
        awaitPhase("held", Phase.Complete, 2);
        assertThat(ready("held")).singleElement().satisfies(i -> assertThat(i.revision()).isEqualTo(2));
    }

    @Test
    void undoToARevisionRunsExactlyItsPinnedBytesAgain() throws Exception {
        Path jar = dir.resolve("app.jar");
        build(jar, "build 1");
        String build1 = ArtifactStore.sha256(jar);
        apply(sample("undo", 1, "v1", jar.toString(), "{}"));
        awaitPhase("undo", Phase.Complete, 1);
        build(jar, "build 2"); // rebuilt in place
        assertThat(apply(sample("undo", 1, "v1", jar.toString(), "{}")).getFirst().revision()).isEqualTo(2);
        awaitPhase("undo", Phase.Complete, 2);

        RolloutService.UndoResult undo = rollouts.undo("default", "undo", 1);
        assertThat(undo.action()).isEqualTo("rolled back");
        awaitPhase("undo", Phase.Complete, 1);
        await("only revision 1 runs").atMost(LONG).until(() -> instances("undo").size() == 1);
        Instance running = instances("undo").getFirst();
        assertThat(running.revision()).isEqualTo(1);
        Path pinned = Path.of(store.revision("default", "undo", 1).orElseThrow().template().run().jar());
        assertThat(ArtifactStore.sha256(pinned)).isEqualTo(build1).isNotEqualTo(ArtifactStore.sha256(jar));
        String cmdline = Files.readString(Path.of("/proc/" + running.pid() + "/cmdline")).replace('\0', ' ');
        assertThat(cmdline).contains(pinned.toString());

        RolloutService.History h = rollouts.history("default", "undo");
        assertThat(h.current()).isEqualTo(1);
        assertThat(h.revisions()).extracting(RolloutService.RevisionInfo::cause).satisfiesExactly(
                c -> assertThat(c).isEqualTo("created"),
                c -> assertThat(c).matches("jar [0-9a-f]{12} -> [0-9a-f]{12}"));
        assertThat(h.rollouts().getLast().cause()).isEqualTo("rollback to revision 1");
        assertThat(rollouts.undo("default", "undo", 1).action()).isEqualTo("unchanged");
        assertThat(rollouts.undo("default", "undo", null).revision()).as("previous = the last complete other one")
                .isEqualTo(2);
    }

    @Test
    void revisionsBeyondTheHistoryLimitAndTheirArtifactsAreDeleted() throws Exception {
        Path jar = dir.resolve("app.jar");
        String rollout = "{revisionHistoryLimit: 1}";
        for (int n = 1; n <= 3; n++) {
            build(jar, "build " + n);
            assertThat(apply(sample("gc", 1, "v1", jar.toString(), rollout)).getFirst().revision()).isEqualTo(n);
            awaitPhase("gc", Phase.Complete, n);
        }
        await("revision 1 deleted").atMost(LONG)
                .until(() -> store.revisions("default", "gc").stream().map(Revision::number).toList().equals(List.of(2, 3)));
        Set<Path> kept = store.revisions("default", "gc").stream().map(r -> Path.of(r.template().run().jar()))
                .collect(Collectors.toSet());
        await("artifact of revision 1 deleted").atMost(LONG).until(() -> {
            try (var files = Files.list(data.resolve("artifacts"))) {
                return files.collect(Collectors.toSet()).equals(kept);
            }
        });
        assertThat(kept).allMatch(Files::exists);
        assertThat(store.events("default", "gc", 0, 1000)).anySatisfy(e ->
                assertThat(e.message()).isEqualTo("deleted revision 1 (revisionHistoryLimit 1)"));
    }
}
