package io.nuri.control.autoscale;

import static org.assertj.core.api.Assertions.assertThat;

import io.nuri.api.spec.Autoscale;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

class ScaleDeciderTest {
    static final Instant T0 = Instant.parse("2026-11-25T00:00:00Z");

    static Autoscale policy(int min, int max, double concurrency) {
        return new Autoscale(min, max, concurrency, 0, 0, 0, 10, 2, 2.0, 0.1, 0, 60, "1000%", "50%", null,
                min == 0 ? 300 : null, 1000, 30, List.of());
    }

    static Observed load(int window, double concurrency, int ready) {
        return new Observed(window, concurrency, 0, Double.NaN, Double.NaN, ready, ready, 0);
    }

    static ScaleDecider.Decision decide(Autoscale p, int current, double stable, double panic, int ready, int second,
            ScaleDecider.State s) {
        return ScaleDecider.decide(new ScaleDecider.Input(p, current, load(10, stable, ready), load(2, panic, ready), 0,
                Integer.MAX_VALUE, 0, T0.plusSeconds(second)), s);
    }

    @Test
    void within_the_tolerance_nothing_changes() {
        var d = decide(policy(1, 10, 5), 2, 10.8, 10.8, 2, 0, ScaleDecider.State.INITIAL);
        assertThat(d.desired()).isEqualTo(2);
        assertThat(d.changes()).isFalse();
    }

    @Test
    void a_surge_panics_and_scales_on_the_short_window_at_once() {
        // 5 clients on 1 instance, then 100: the 2 s window averages 52.5 in flight.
        var d = decide(policy(1, 30, 5), 1, 14, 52.5, 1, 0, ScaleDecider.State.INITIAL);
        assertThat(d.panicking()).isTrue();
        assertThat(d.panicStarted()).isTrue();
        assertThat(d.desired()).isEqualTo(11); // ceil(52.5 / 5)
        assertThat(d.detail()).contains("panic").contains("concurrency 52.5");
    }

    @Test
    void no_scale_in_while_panicking_and_the_panic_ends_after_a_calm_stable_window() {
        var p = policy(1, 30, 5);
        var d = decide(p, 1, 14, 52.5, 1, 0, ScaleDecider.State.INITIAL);
        int current = d.desired();
        // Load vanishes at once: still panicking for 10 s, so the count holds.
        var calm = decide(p, current, 1, 1, current, 5, d.next());
        assertThat(calm.panicking()).isTrue();
        assertThat(calm.desired()).isEqualTo(current);
        // After the panic, scale-down stabilization (60 s) still remembers the panic's recommendations.
        var later = decide(p, current, 1, 1, current, 30, calm.next());
        assertThat(later.panicking()).isFalse();
        assertThat(later.desired()).isEqualTo(current);
        // Once 60 s of calm recommendations passed: down by at most half per decision, to what is needed.
        var s = later.next();
        ScaleDecider.Decision x = later;
        for (int t = 31; t <= 71; t++) {
            x = decide(p, current, 1, 1, current, t, s);
            s = x.next();
        }
        assertThat(x.desired()).isEqualTo(current - current / 2);
    }

    @Test
    void a_short_spike_below_the_panic_threshold_does_not_flap() {
        var p = policy(1, 10, 5);
        var s = ScaleDecider.State.INITIAL;
        int current = 2;
        // 1 s at 3x on a 10 s average is within tolerance for the stable window; panic needs 2x ready.
        for (int t = 0; t < 30; t++) {
            double panic = t == 10 ? 15 : 10;
            double stable = t >= 10 && t < 20 ? 10.5 : 10;
            var d = decide(p, current, stable, panic, current, t, s);
            s = d.next();
            assertThat(d.desired()).as("second %d", t).isEqualTo(2);
        }
    }

    @Test
    void min_and_max_hold() {
        assertThat(decide(policy(2, 4, 5), 4, 100, 100, 4, 0, ScaleDecider.State.INITIAL).desired()).isEqualTo(4);
        var up = decide(policy(2, 4, 5), 3, 100, 100, 3, 0, ScaleDecider.State.INITIAL);
        assertThat(up.desired()).isEqualTo(4);
        assertThat(up.limitedBy()).isEqualTo("maxReplicas");
        var p = policy(2, 4, 5);
        var d = decide(p, 3, 0, 0, 3, 0, ScaleDecider.State.INITIAL);
        assertThat(d.desired()).isEqualTo(2); // no history yet: the window holds only this recommendation
    }

    @Test
    void scale_up_step_limits_one_decision() {
        var p = new Autoscale(1, 100, 1, 0, 0, 0, 10, 2, 2.0, 0.1, 0, 60, "4", "50%", null, null, 1000, 30, List.of());
        var d = decide(p, 2, 50, 50, 2, 0, ScaleDecider.State.INITIAL);
        assertThat(d.desired()).isEqualTo(6);
        assertThat(d.limitedBy()).isEqualTo("maxScaleUpStep");
    }

    @Test
    void memory_caps_the_count_and_says_so() {
        var in = new ScaleDecider.Input(policy(1, 30, 5), 2, load(10, 100, 2), load(2, 100, 2), 0, 3, 0, T0);
        var d = ScaleDecider.decide(in, ScaleDecider.State.INITIAL);
        assertThat(d.desired()).isEqualTo(3);
        assertThat(d.limitedBy()).isEqualTo("memory");
    }

    @Test
    void scale_to_zero_only_after_the_idle_period_and_held_requests_wake_the_app() {
        var p = policy(0, 5, 5);
        var idle = load(10, 0, 1);
        var notYet = ScaleDecider.decide(new ScaleDecider.Input(p, 1, idle, load(2, 0, 1), 0, Integer.MAX_VALUE, 299, T0),
                ScaleDecider.State.INITIAL);
        assertThat(notYet.desired()).isEqualTo(1);
        var zero = ScaleDecider.decide(new ScaleDecider.Input(p, 1, idle, load(2, 0, 1), 0, Integer.MAX_VALUE, 300, T0),
                ScaleDecider.State.INITIAL);
        assertThat(zero.desired()).isZero();
        assertThat(zero.detail()).contains("idle for 300 s");
        var held = new Observed(2, 3, 0, Double.NaN, Double.NaN, 0, 0, 3);
        var wake = ScaleDecider.decide(new ScaleDecider.Input(p, 0, load(10, 0, 0), held, 0, Integer.MAX_VALUE, 400, T0),
                zero.next());
        assertThat(wake.desired()).isEqualTo(1);
        assertThat(wake.detail()).contains("3 request(s) held at zero");
    }

    @Test
    void an_open_schedule_raises_the_minimum() {
        var in = new ScaleDecider.Input(policy(1, 10, 5), 1, load(10, 0, 1), load(2, 0, 1), 6, Integer.MAX_VALUE, 0, T0);
        var d = ScaleDecider.decide(in, ScaleDecider.State.INITIAL);
        assertThat(d.desired()).isEqualTo(6);
        assertThat(d.detail()).contains("minimum 6 (schedule)");
    }

    @Test
    void the_largest_target_wins_and_cpu_counts_warm_instances_only() {
        var p = new Autoscale(1, 20, 5, 0, 50, 0, 10, 2, 2.0, 0.1, 0, 60, "1000%", "50%", null, null, 1000, 30, List.of());
        // Concurrency asks for 2, CPU at 150% of request on 2 warm instances asks for ceil(2 * 3) = 6.
        var o = new Observed(10, 10, 0, 150, Double.NaN, 4, 2, 0);
        var d = ScaleDecider.decide(new ScaleDecider.Input(p, 4, o, new Observed(2, 10, 0, 150, Double.NaN, 4, 2, 0), 0,
                Integer.MAX_VALUE, 0, T0), ScaleDecider.State.INITIAL);
        assertThat(d.desired()).isEqualTo(6);
        assertThat(d.detail()).contains("cpu 150% of request over 2 warm instance(s)");
    }

    @Test
    void scale_up_stabilization_takes_the_lowest_recent_recommendation() {
        var p = new Autoscale(1, 20, 5, 0, 0, 0, 10, 2, 100, 0.1, 5, 60, "1000%", "50%", null, null, 1000, 30, List.of());
        var s = ScaleDecider.State.INITIAL;
        var d = decide(p, 2, 10, 10, 2, 0, s); // wants 2
        d = decide(p, 2, 30, 30, 2, 1, d.next()); // wants 6, but 2 was recommended 1 s ago
        assertThat(d.desired()).isEqualTo(2);
        var s2 = d.next();
        for (int t = 2; t <= 6; t++) {
            d = decide(p, 2, 30, 30, 2, t, s2);
            s2 = d.next();
        }
        assertThat(d.desired()).isEqualTo(6);
    }
}
