package io.nuri.control;

import static org.assertj.core.api.Assertions.assertThat;

import io.nuri.api.spec.Rollout;
import io.nuri.api.spec.RevisionTemplate;
import io.nuri.api.spec.RunSpec;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** The rolling-update arithmetic on counts, and change causes; no processes. */
class RollingTest {

    private static Rollout rollout(String surge, String unavailable) {
        return new Rollout(surge, unavailable, 0, 120, 10, false, true, null);
    }

    @Test
    void theWorkedExampleOfTheClassComment() {
        // 4 replicas, maxSurge 1, maxUnavailable 1.
        assertThat(Rolling.newToStart(4, 1, 0, 4)).isEqualTo(1);
        assertThat(Rolling.oldToStop(4, 1, 5, 1, 0, 4, 4)).isEqualTo(new Rolling.OldStep(0, 1));
        assertThat(Rolling.newToStart(4, 1, 1, 4)).isEqualTo(1);
        assertThat(Rolling.oldToStop(4, 1, 5, 2, 0, 3, 3).total()).isZero();
        assertThat(Rolling.oldToStop(4, 1, 5, 2, 2, 3, 3)).isEqualTo(new Rolling.OldStep(0, 2));
        assertThat(Rolling.newToStart(4, 1, 2, 3)).isEqualTo(2);
        assertThat(Rolling.oldToStop(4, 1, 5, 4, 4, 1, 1)).isEqualTo(new Rolling.OldStep(0, 1));
    }

    @Test
    void bothZeroMeansASurgeOfOneAndPercentagesRoundAsKubernetesDoes() {
        assertThat(Rolling.surge(rollout("0", "0"), 4)).isEqualTo(1);
        assertThat(Rolling.surge(rollout("25%", "0"), 10)).isEqualTo(3); // up
        assertThat(Rolling.unavailable(rollout("25%", "25%"), 10)).isEqualTo(2); // down
        assertThat(Rolling.unavailable(rollout("1", "5"), 2)).isEqualTo(2);
    }

    @Test
    void unhealthyOldInstancesGoFirstAndOnlyWithinWhatAvailabilityAllows() {
        // After a rollback: 4 current available, 1 old crash-looping: it may go.
        assertThat(Rolling.oldToStop(4, 0, 5, 4, 4, 1, 0)).isEqualTo(new Rolling.OldStep(1, 0));
        // New ones crash-loop and nothing is spare: nothing old stops.
        assertThat(Rolling.oldToStop(4, 0, 5, 1, 0, 4, 4).total()).isZero();
    }

    /**
     * Seeded random rollouts on counts: whatever the settings and however late new instances
     * become available, every step keeps all <= replicas + surge and available >= replicas -
     * maxUnavailable, and the rollout ends with only new, available instances.
     */
    @Test
    void randomRolloutsKeepBothBoundsAndFinish() {
        long seed = System.nanoTime();
        Random random = new Random(seed);
        for (int run = 0; run < 2000; run++) {
            int replicas = 1 + random.nextInt(12);
            String[] values = {"0", "1", "2", "3", "25%", "50%", "100%"};
            String s = values[random.nextInt(values.length)];
            String u = values[random.nextInt(values.length)];
            Rollout r = rollout(s, u);
            int surge = Rolling.surge(r, replicas);
            int unavailable = Rolling.unavailable(r, replicas);
            int old = replicas;
            int oldAvailable = replicas;
            int fresh = 0;
            int freshAvailable = 0;
            String where = "seed " + seed + " run " + run + ": replicas " + replicas + " surge " + s + " unavailable " + u;
            for (int step = 0; step < 10_000 && !(old == 0 && freshAvailable == replicas); step++) {
                int start = Rolling.newToStart(replicas, surge, fresh, fresh + old);
                if (start > 0) {
                    fresh += start;
                } else {
                    Rolling.OldStep down = Rolling.oldToStop(replicas, unavailable, fresh + old, fresh, freshAvailable, old,
                            oldAvailable);
                    old -= down.total();
                    oldAvailable -= down.available();
                    if (down.total() == 0) {
                        freshAvailable += random.nextInt(fresh - freshAvailable + 1); // time passes
                    }
                }
                assertThat(fresh + old).as(where).isLessThanOrEqualTo(replicas + surge);
                assertThat(freshAvailable + oldAvailable).as(where).isGreaterThanOrEqualTo(replicas - unavailable);
            }
            assertThat(old).as(where).isZero();
            assertThat(freshAvailable).as(where).isEqualTo(replicas);
        }
    }

    @Test
    void aChangeCauseNamesWhatChangedAndHidesSecretValues() {
        RunSpec jar1 = new RunSpec("/data/artifacts/" + "a".repeat(64) + ".jar", null, null, null, null);
        RunSpec jar2 = new RunSpec("/data/artifacts/" + "b".repeat(64) + ".jar", null, null, null, null);
        RevisionTemplate before = new RevisionTemplate(jar1, Map.of("APP_VERSION", "v1", "DB_PASSWORD", "x", "OLD", "1"),
                8080, null, null, null, List.of());
        RevisionTemplate after = new RevisionTemplate(jar2, Map.of("APP_VERSION", "v2", "DB_PASSWORD", "y", "NEW", "2"),
                8080, null, null, null, List.of());
        assertThat(ChangeCause.of(null, after)).isEqualTo("created");
        assertThat(ChangeCause.of(before, after)).isEqualTo(
                "jar aaaaaaaaaaaa -> bbbbbbbbbbbb; env APP_VERSION: v1 -> v2; env DB_PASSWORD changed; env +NEW=2; env -OLD");
    }
}
