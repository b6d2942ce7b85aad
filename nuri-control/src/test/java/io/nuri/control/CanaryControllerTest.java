package io.nuri.control;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.nuri.api.model.Endpoint;
import io.nuri.api.model.Event;
import io.nuri.api.model.Instance;
import io.nuri.api.model.InstanceState;
import io.nuri.control.RolloutStatus.Phase;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * {@code spec.rollout.canary} with real processes: one instance of the new revision, its share of
 * the endpoint weight, the window judged at its end (or early) on what a fake gateway reports.
 */
class CanaryControllerTest extends ControllerTestSupport {
    /** What the "gateway" saw of revision 2; revision 1 is never asked about. */
    volatile CanaryMetrics.Window seen = CanaryMetrics.Window.EMPTY;
    volatile Instant askedSince;

    @Override
    CanaryMetrics canaryMetrics() {
        return (namespace, app, revision, since) -> {
            assertThat(revision).isEqualTo(2);
            askedSince = since;
            return seen;
        };
    }

    @Test
    void aPassingCanaryHoldsAtOneInstanceWithItsShareOfTheWeightThenRollsOutEvenAcrossAControllerRestart()
            throws Exception {
        String rollout = "{maxSurge: 1, maxUnavailable: 0, canary: {weightPercent: 10, durationSeconds: 3, maxP95Millis: 200}}";
        apply(sample("web", 3, "v1", rollout));
        awaitPhase("web", Phase.Complete, 1); // a first rollout has nothing to compare with: no canary
        assertThat(events("web")).noneMatch(e -> e.reason().startsWith("Canary"));
        seen = new CanaryMetrics.Window(120, 1, 35); // 0.8% errors, within the default 1%

        EndpointRegistry registry = new EndpointRegistry(store);
        registry.start();
        try {
            apply(sample("web", 3, "v2", rollout));
            RolloutService.View canary = awaitPhase("web", Phase.Canary, 2);
            assertThat(canary.message()).isEqualTo("canary: 1 instance of revision 2 gets 10% of traffic for 3 s");
            assertThat(canary.canary().startedAt()).isNotNull();
            Instant ends = canary.canary().startedAt().plusSeconds(3);
            assertThat(live("web", 2)).hasSize(1);
            assertThat(live("web", 1)).hasSize(3);
            List<Endpoint> endpoints = registry.endpoints("default", "web");
            assertThat(endpoints).hasSize(4);
            assertThat(endpoints).filteredOn(e -> e.revision() == 1).allSatisfy(e -> assertThat(e.weight()).isEqualTo(100));
            // 10% of the total: 3 stable endpoints x 100 x 10 / 90 = 33.3
            assertThat(endpoints).filteredOn(e -> e.revision() == 2).singleElement()
                    .satisfies(e -> assertThat(e.weight()).isEqualTo(33));

            // The window survives a restart of the controller: it ends when it would have.
            Thread.sleep(1500);
            assertThat(live("web", 2)).hasSize(1);
            controller.close();
            startController();
            awaitPhase("web", Phase.Complete, 2);
            assertThat(askedSince).isEqualTo(canary.canary().startedAt());
            Event passed = events("web").stream().filter(e -> e.reason().equals("CanaryPassed")).findFirst().orElseThrow();
            assertThat(passed.message()).isEqualTo("canary of revision 2 passed after 3 s: 120 requests, 0.8% errors "
                    + "(max 1%), p95 35 ms (max 200 ms)");
            assertThat(passed.time()).isBetween(ends, ends.plusMillis(1500));
            assertThat(live("web", 2)).hasSize(3);
            await("old instances gone").atMost(LONG).until(() -> live("web", 1).isEmpty());
            await("equal weights again").atMost(LONG).until(() -> registry.endpoints("default", "web").stream()
                    .allMatch(e -> e.weight() == 100 && e.revision() == 2));
            assertThat(events("web").stream().map(Event::reason).filter(r -> r.startsWith("Canary")).toList())
                    .containsExactly("CanaryStarted", "CanaryPassed");
        } finally {
            registry.close();
        }
    }

    @Test
    void aCanaryOverItsErrorBoundAtTheEndOfItsWindowIsRolledBackAndTheOldInstancesNeverStop() throws Exception {
        String rollout = "{canary: {weightPercent: 20, durationSeconds: 3, maxErrorRatePercent: 5}}";
        apply(sample("web", 2, "v1", rollout));
        awaitPhase("web", Phase.Complete, 1);
        Set<Long> oldPids = live("web", 1).stream().map(Instance::pid).collect(Collectors.toSet());
        seen = new CanaryMetrics.Window(10, 5, 20); // 50% errors, but too few requests to fail early

        apply(sample("web", 2, "v2", rollout));
        RolloutService.View canary = awaitPhase("web", Phase.Canary, 2);
        Instant ends = canary.canary().startedAt().plusSeconds(3);
        AtomicBoolean oldAlwaysThere = new AtomicBoolean(true);
        await("rolled back").atMost(LONG).pollInterval(Duration.ofMillis(50)).until(() -> {
            Set<Long> pids = instances("web").stream()
                    .filter(i -> i.revision() == 1 && i.state() == InstanceState.Ready)
                    .map(Instance::pid).collect(Collectors.toSet());
            if (!pids.equals(oldPids)) {
                oldAlwaysThere.set(false);
            }
            assertThat(live("web", 2).size()).isLessThanOrEqualTo(1);
            return rollouts.status("default", "web").phase() == Phase.RolledBack;
        });
        assertThat(oldAlwaysThere).as("both v1 instances stayed Ready with the same pids").isTrue();
        assertThat(store.app("default", "web").orElseThrow().revision()).isEqualTo(1);
        List<Event> events = events("web");
        Event failed = events.stream().filter(e -> e.reason().equals("CanaryFailed")).findFirst().orElseThrow();
        assertThat(failed.type()).isEqualTo(Event.WARNING);
        assertThat(failed.message()).isEqualTo("canary of revision 2 failed after 3 s: 10 requests, 50.0% errors "
                + "(max 5%), p95 20 ms");
        assertThat(failed.time()).as("judged exactly at the window's end").isBetween(ends, ends.plusMillis(1500));
        assertThat(events).anySatisfy(e -> {
            assertThat(e.reason()).isEqualTo("RolledBack");
            assertThat(e.message()).isEqualTo("rolled back from revision 2 to 1: " + failed.message());
        });
        await("the canary instance is gone").atMost(LONG).until(() -> instances("web").stream()
                .allMatch(i -> i.revision() == 1));
        assertThat(oldPids).allMatch(ControllerTestSupport::alive);
    }

    @Test
    void aCanaryFailsEarlyOnceEnoughRequestsShowTooManyErrorsAndWithoutAutoRollbackTheRolloutHoldsAtIt() throws Exception {
        String rollout = "{autoRollback: false, canary: {weightPercent: 50, durationSeconds: 600}}";
        apply(sample("web", 1, "v1", rollout));
        awaitPhase("web", Phase.Complete, 1);
        seen = new CanaryMetrics.Window(40, 20, 5);
        Instant applied = Instant.now();
        apply(sample("web", 1, "v2", rollout));
        RolloutService.View failed = awaitPhase("web", Phase.Failed, 2);
        assertThat(Duration.between(applied, Instant.now())).as("long before the 600 s window ends")
                .isLessThan(Duration.ofSeconds(15));
        assertThat(failed.message()).startsWith("canary of revision 2 failed after ")
                .endsWith(": 40 requests, 50.0% errors (max 1%), p95 5 ms");
        assertThat(failed.canary().passed()).isFalse();
        // Without autoRollback the rollout holds at the canary: one new instance, the old one kept.
        Thread.sleep(1000);
        assertThat(live("web", 2)).hasSize(1);
        assertThat(live("web", 1)).hasSize(1);
        assertThat(store.app("default", "web").orElseThrow().revision()).isEqualTo(2);
        assertThat(events("web")).extracting(Event::reason).contains("CanaryFailed", "RolloutFailed")
                .doesNotContain("RolledBack", "CanaryPassed");
    }

    @Test
    void figuresInWords() {
        var bounds = new io.nuri.api.spec.Rollout.Canary(10, 60, 1, 0);
        assertThat(AppController.canaryFigures(CanaryMetrics.Window.EMPTY, bounds))
                .isEqualTo("no requests seen, nothing to judge (errors max 1%)");
        assertThat(AppController.canaryFigures(new CanaryMetrics.Window(1, 0, 12.34),
                new io.nuri.api.spec.Rollout.Canary(10, 60, 0.5, 250)))
                .isEqualTo("1 request, 0.0% errors (max 0.5%), p95 12.3 ms (max 250 ms)");
    }

    private List<Instance> live(String app, int revision) {
        return instances(app).stream()
                .filter(i -> i.revision() == revision && i.state() != InstanceState.Terminating).toList();
    }

    private List<Event> events(String app) {
        return store.events("default", app, 0, 1000);
    }

}
