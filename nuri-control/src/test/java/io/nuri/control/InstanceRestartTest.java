package io.nuri.control;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.nuri.api.model.Event;
import io.nuri.api.model.Instance;
import io.nuri.api.model.InstanceState;
import io.nuri.control.RolloutStatus.Phase;
import org.junit.jupiter.api.Test;

/** An operator's restart replaces one instance (drained, stopped, a new one started) and leaves the others. */
class InstanceRestartTest extends ControllerTestSupport {

    @Test
    void aRestartedInstanceIsStoppedAndReplacedWhileTheOtherKeepsRunning() throws Exception {
        apply(sample("web", 2, "v1", "{}"));
        awaitPhase("web", Phase.Complete, 1);
        await().atMost(LONG).until(() -> ready("web").size() == 2);
        Instance target = ready("web").get(0);
        Instance other = ready("web").get(1);

        assertThat(controller.restartInstance("default", "web", target.id())).isTrue();

        await("replaced").atMost(LONG).until(() -> {
            var now = ready("web");
            return now.size() == 2 && now.stream().noneMatch(i -> i.id().equals(target.id()))
                    && instances("web").stream().noneMatch(i -> i.id().equals(target.id()));
        });
        assertThat(alive(target.pid())).isFalse();
        assertThat(alive(other.pid())).isTrue();
        assertThat(ready("web")).extracting(Instance::id).contains(other.id());
        assertThat(store.events("default", "web", 0, 1000)).extracting(Event::message)
                .anyMatch(m -> m.contains(target.id()) && m.contains("restart requested by an operator"));
    }

    @Test
    void unknownOrForeignInstancesAreRefused() throws Exception {
        apply(sample("one", 1, "v1", "{}"));
        awaitPhase("one", Phase.Complete, 1);
        Instance inst = ready("one").getFirst();
        assertThat(controller.restartInstance("default", "one", "nope-123")).isFalse();
        assertThat(controller.restartInstance("default", "other", inst.id())).isFalse();
        assertThat(instances("one")).singleElement().extracting(Instance::state).isEqualTo(InstanceState.Ready);
    }
}
