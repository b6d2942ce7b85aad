package io.nuri.control;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.nuri.api.model.Event;
import io.nuri.api.model.Instance;
import io.nuri.api.model.InstanceState;
import io.nuri.control.RolloutStatus.Phase;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** An instance stopped on purpose leaves the endpoint set and waits for its requests first. */
class DrainTest extends ControllerTestSupport {
    final AtomicInteger inFlight = new AtomicInteger();

    @Override
    InflightSource inflight() {
        return id -> inFlight.get();
    }

    @Test
    void aScaledDownInstanceIsStoppedOnlyWhenItsInflightRequestsAreDone() throws Exception {
        apply(sample("busy", 1, "v1", "{}"));
        awaitPhase("busy", Phase.Complete, 1);
        Instance inst = instances("busy").getFirst();
        inFlight.set(2);
        apps.scale("default", "busy", 0);
        await().atMost(LONG).until(() -> instances("busy").getFirst().state() == InstanceState.Terminating);
        Thread.sleep(2500);
        assertThat(instances("busy")).singleElement().satisfies(i -> {
            assertThat(i.state()).isEqualTo(InstanceState.Terminating);
            assertThat(i.reason()).isEqualTo("draining: scaled down to 0 replicas");
        });
        assertThat(alive(inst.pid())).as("still serving its 2 requests").isTrue();

        Instant drained = Instant.now();
        inFlight.set(0);
        await("stopped once drained").atMost(Duration.ofSeconds(5)).until(() -> instances("busy").isEmpty());
        assertThat(Duration.between(drained, Instant.now())).isLessThan(Duration.ofSeconds(3));
        assertThat(alive(inst.pid())).isFalse();
    }

    @Test
    void anIdleInstanceStillWaitsTheMinimumDrainDelayAndTheGraceBoundsABusyOne() throws Exception {
        apply(sample("idle", 1, "v1", "{}"));
        awaitPhase("idle", Phase.Complete, 1);
        apps.delete("default", "idle");
        await("app gone").atMost(LONG).until(() -> store.app("default", "idle").isEmpty());
        var events = store.events("default", "idle", 0, 1000);
        Instant stopping = events.stream().filter(e -> e.reason().equals("Stopping")).map(Event::time).findFirst()
                .orElseThrow();
        Instant stopped = events.stream().filter(e -> e.reason().equals("Stopped")).map(Event::time).findFirst()
                .orElseThrow();
        assertThat(Duration.between(stopping, stopped)).isGreaterThanOrEqualTo(Duration.ofSeconds(1));

        // A request that never ends: SIGTERM at the end of the grace period (5 s here), not never.
        inFlight.set(1);
        apply(sample("stuck", 1, "v1", "{}"));
        awaitPhase("stuck", Phase.Complete, 1);
        Instant scaled = Instant.now();
        apps.scale("default", "stuck", 0);
        await("stopped after the grace").atMost(Duration.ofSeconds(15)).until(() -> instances("stuck").isEmpty());
        assertThat(Duration.between(scaled, Instant.now())).isGreaterThanOrEqualTo(Duration.ofSeconds(5));
    }
}
