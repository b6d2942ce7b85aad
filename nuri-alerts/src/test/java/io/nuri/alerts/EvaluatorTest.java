package io.nuri.alerts;

import static org.assertj.core.api.Assertions.assertThat;

import io.nuri.alerts.Evaluator.Transition;
import io.nuri.store.AlertRecord;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class EvaluatorTest {
    static final Instant T0 = Instant.parse("2026-11-25T10:00:00Z");

    static AlertRule apdexRule(int forSeconds) {
        return new AlertRule("default", "slow", "portal", Metric.APDEX, new Condition(Condition.Op.LT, 0.7), forSeconds,
                Severity.warning, "APDEX of {app} is {value} ({op} {threshold})", List.of(), false);
    }

    static AlertRule downRule() {
        return new AlertRule("default", "was-down", null, Metric.INSTANCE_DOWN, new Condition(Condition.Op.GT, 0), 0,
                Severity.critical, null, List.of(), false);
    }

    static Observation apdex(double value) {
        return new Observation(List.of(new Observation.App("default", "portal", Map.of(Metric.APDEX, value), List.of())));
    }

    /** Runs the evaluator second by second, carrying the state, as the loop does. */
    static final class Run {
        Map<String, AlertRecord> active = Map.of();
        final List<String> log = new ArrayList<>();
        Evaluator.Result last;

        Evaluator.Result at(int second, List<AlertRule> rules, Observation o) {
            last = Evaluator.evaluate(rules, o, T0.plusSeconds(second), active);
            active = last.active();
            for (Transition t : last.transitions()) {
                log.add(second + ":" + t.kind() + ":" + t.alert().subject());
            }
            return last;
        }
    }

    @Test
    void aConditionMustHoldForSecondsBeforeFiringAndResolvesWhenItStops() {
        Run run = new Run();
        List<AlertRule> rules = List.of(apdexRule(60));
        run.at(0, rules, apdex(0.9));
        assertThat(run.active).isEmpty();

        run.at(1, rules, apdex(0.5));
        AlertRecord pending = run.active.get("default/slow/portal");
        assertThat(pending.state()).isEqualTo("pending");
        assertThat(pending.activeAt()).isEqualTo(T0.plusSeconds(1));
        assertThat(run.last.upserts()).containsExactly(pending);

        run.at(60, rules, apdex(0.4));
        assertThat(run.active.get("default/slow/portal").state()).as("59 s < 60 s").isEqualTo("pending");
        assertThat(run.last.upserts()).isEmpty();

        run.at(61, rules, apdex(0.45));
        AlertRecord firing = run.active.get("default/slow/portal");
        assertThat(firing.state()).isEqualTo("firing");
        assertThat(firing.id()).isEqualTo(pending.id());
        assertThat(firing.since()).isEqualTo(T0.plusSeconds(61));
        assertThat(firing.activeAt()).isEqualTo(T0.plusSeconds(1));
        assertThat(firing.summary()).isEqualTo("APDEX of portal is 0.45 (< 0.7)");
        assertThat(firing.value()).isEqualTo(0.45);

        run.at(62, rules, apdex(0.3));
        assertThat(run.last.transitions()).as("still firing: nothing new to say").isEmpty();
        assertThat(run.last.upserts()).isEmpty();

        run.at(63, rules, apdex(0.95));
        assertThat(run.active).isEmpty();
        AlertRecord resolved = run.last.upserts().getFirst();
        assertThat(resolved.state()).isEqualTo("resolved");
        assertThat(resolved.resolvedAt()).isEqualTo(T0.plusSeconds(63));
        assertThat(resolved.since()).isEqualTo(T0.plusSeconds(61));
        assertThat(run.log).containsExactly("61:FIRED:default/slow/portal", "63:RESOLVED:default/slow/portal");
    }

    @Test
    void aPendingAlertThatStopsHoldingIsDroppedWithoutANotice() {
        Run run = new Run();
        List<AlertRule> rules = List.of(apdexRule(60));
        run.at(0, rules, apdex(0.5));
        String id = run.active.values().iterator().next().id();
        run.at(30, rules, apdex(0.8));
        assertThat(run.active).isEmpty();
        assertThat(run.last.deletedIds()).containsExactly(id);
        assertThat(run.log).isEmpty();

        run.at(31, rules, apdex(0.5)); // holds again: a new episode, counted from now
        assertThat(run.active.values().iterator().next().id()).isNotEqualTo(id);
        run.at(90, rules, apdex(0.5));
        assertThat(run.log).isEmpty();
        run.at(91, rules, apdex(0.5));
        assertThat(run.log).containsExactly("91:FIRED:default/slow/portal");
    }

    @Test
    void forZeroFiresAtOnceAndEachInstanceHasItsOwnAlert() {
        Run run = new Run();
        List<AlertRule> rules = List.of(downRule());
        Observation oneDown = new Observation(List.of(new Observation.App("default", "portal", Map.of(),
                List.of(new Observation.Instance("portal-a", true), new Observation.Instance("portal-b", false)))));
        run.at(5, rules, oneDown);
        assertThat(run.log).containsExactly("5:FIRED:default/was-down/portal/portal-a");
        AlertRecord a = run.active.get("default/was-down/portal/portal-a");
        assertThat(a.instance()).isEqualTo("portal-a");
        assertThat(a.summary()).isEqualTo("instanceDown of instance portal-a of portal is 1 (> 0)");
        assertThat(a.severity()).isEqualTo("critical");

        Observation replaced = new Observation(List.of(new Observation.App("default", "portal", Map.of(),
                List.of(new Observation.Instance("portal-b", false), new Observation.Instance("portal-c", false)))));
        run.at(6, rules, replaced);
        assertThat(run.log).as("an instance that is gone resolves its alert")
                .containsExactly("5:FIRED:default/was-down/portal/portal-a", "6:RESOLVED:default/was-down/portal/portal-a");
    }

    @Test
    void deletingTheRuleResolvesItsFiringAlertsAndDropsPendingOnes() {
        Run run = new Run();
        AlertRule firesAtOnce = new AlertRule("default", "fast", null, Metric.APDEX, new Condition(Condition.Op.LT, 0.7),
                0, Severity.info, null, List.of(), false);
        run.at(0, List.of(firesAtOnce, apdexRule(60)), apdex(0.1));
        assertThat(run.active).hasSize(2);
        run.at(1, List.of(), apdex(0.1));
        assertThat(run.active).isEmpty();
        assertThat(run.log).containsExactly("0:FIRED:default/fast/portal", "1:RESOLVED:default/fast/portal");
        assertThat(run.last.deletedIds()).hasSize(1);
    }

    @Test
    void aRuleSeesOnlyItsNamespaceAndSelectedAppAndAMissingValueNeverHolds() {
        Run run = new Run();
        AlertRule noReady = new AlertRule("default", "none-ready", null, Metric.READY_INSTANCES,
                new Condition(Condition.Op.LT, 1), 0, Severity.critical, "{app} has no ready instance", List.of(), false);
        Observation o = new Observation(List.of(
                new Observation.App("default", "portal", Map.of(Metric.READY_INSTANCES, 0.0), List.of()),
                new Observation.App("default", "scaled-to-zero", Map.of(), List.of()),
                new Observation.App("other", "portal", Map.of(Metric.READY_INSTANCES, 0.0), List.of())));
        run.at(0, List.of(noReady, apdexRule(0)), o);
        assertThat(run.log).containsExactly("0:FIRED:default/none-ready/portal");
    }

    @Test
    void operatorsCompareAsWritten() {
        assertThat(new Condition(Condition.Op.LT, 1).holds(1)).isFalse();
        assertThat(new Condition(Condition.Op.LE, 1).holds(1)).isTrue();
        assertThat(new Condition(Condition.Op.GT, 0.05).holds(0.05)).isFalse();
        assertThat(new Condition(Condition.Op.GE, 3).holds(3)).isTrue();
    }

    @Test
    void defaultRulesApplyOnlyToNamespacesWithoutRules() {
        List<AlertRule> effective = DefaultRules.effective(List.of(apdexRule(0)), List.of("default", "tax"));
        assertThat(effective).extracting(AlertRule::key).containsExactly("default/slow", "tax/instance-terminated",
                "tax/crash-looping", "tax/no-ready-instance", "tax/low-apdex", "tax/high-error-rate");
        assertThat(effective.subList(1, 6)).allMatch(AlertRule::builtIn);
    }
}
