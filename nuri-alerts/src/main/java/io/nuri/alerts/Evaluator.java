package io.nuri.alerts;

import io.nuri.store.AlertRecord;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The alerting state machine as one pure function: rules, what was observed at {@code now} and
 * the alerts not yet resolved go in; the new unresolved alerts, what to store and the
 * transitions to announce come out. No clock, no I/O: tests move time by hand.
 *
 * <pre>
 *   condition holds ──► pending ──(held forSeconds)──► firing ──(no longer holds)──► resolved
 *        │                 │                                        ▲
 *        │ forSeconds = 0  └──(stops holding: dropped, no notice)    │ subject gone / rule deleted
 *        └──────────────────────────────────────────► firing ───────┘
 * </pre>
 *
 * A subject is one app (app-level metrics) or one instance ({@link Metric#INSTANCE_DOWN}) that a
 * rule selects. A resolved alert is history: if the condition holds again, a new alert starts.
 */
public final class Evaluator {

    /** FIRED or RESOLVED, with the alert as it is after the change. */
    public record Transition(Kind kind, AlertRecord alert) {
        public enum Kind { FIRED, RESOLVED }
    }

    /**
     * @param active the alerts still pending or firing, by subject
     * @param upserts alerts to store (new pending, fired, resolved)
     * @param deletedIds pending alerts whose condition stopped holding before they fired
     */
    public record Result(Map<String, AlertRecord> active, List<AlertRecord> upserts, List<String> deletedIds,
            List<Transition> transitions) {}

    private Evaluator() {}

    public static Result evaluate(List<AlertRule> rules, Observation observed, Instant now,
            Map<String, AlertRecord> previous) {
        Map<String, AlertRecord> active = new LinkedHashMap<>();
        List<AlertRecord> upserts = new ArrayList<>();
        List<String> deleted = new ArrayList<>();
        List<Transition> transitions = new ArrayList<>();
        for (AlertRule rule : rules) {
            for (Observation.App app : observed.apps()) {
                if (!rule.matches(app.namespace(), app.name())) {
                    continue;
                }
                if (rule.metric().perInstance()) {
                    for (Observation.Instance i : app.instances()) {
                        step(rule, app.name(), i.id(), i.down() ? 1.0 : 0.0, now, previous, active, upserts,
                                transitions);
                    }
                } else {
                    Double value = app.values().get(rule.metric());
                    if (value != null) {
                        step(rule, app.name(), null, value, now, previous, active, upserts, transitions);
                    }
                }
            }
        }
        // Subjects not seen this time (instance replaced, app deleted, rule deleted or changed):
        // their condition no longer holds.
        for (AlertRecord old : previous.values()) {
            if (active.containsKey(old.subject()) || upserts.stream().anyMatch(u -> u.id().equals(old.id()))) {
                continue;
            }
            if (AlertStates.FIRING.equals(old.state())) {
                AlertRecord resolved = withState(old, AlertStates.RESOLVED, old.since(), now, old.summary(), old.value());
                upserts.add(resolved);
                transitions.add(new Transition(Transition.Kind.RESOLVED, resolved));
            } else {
                deleted.add(old.id());
            }
        }
        return new Result(active, upserts, deleted, transitions);
    }

    private static void step(AlertRule rule, String app, String instance, double value, Instant now,
            Map<String, AlertRecord> previous, Map<String, AlertRecord> active, List<AlertRecord> upserts,
            List<Transition> transitions) {
        String subject = subject(rule, app, instance);
        AlertRecord old = previous.get(subject);
        boolean holds = rule.condition().holds(value);
        if (old == null) {
            if (!holds) {
                return;
            }
            String summary = Summary.render(rule, app, instance, value);
            AlertRecord fresh = new AlertRecord(id(subject, now), subject, rule.name(), rule.severity().name(),
                    rule.namespace(), app, instance, rule.metric().specName(), rule.condition().toString(),
                    AlertStates.PENDING, now, now, null, summary, value);
            if (rule.forSeconds() == 0) {
                fresh = withState(fresh, AlertStates.FIRING, now, null, summary, value);
                transitions.add(new Transition(Transition.Kind.FIRED, fresh));
            }
            active.put(subject, fresh);
            upserts.add(fresh);
            return;
        }
        if (!holds) {
            if (AlertStates.FIRING.equals(old.state())) {
                AlertRecord resolved = withState(old, AlertStates.RESOLVED, old.since(), now, old.summary(), value);
                upserts.add(resolved);
                transitions.add(new Transition(Transition.Kind.RESOLVED, resolved));
            }
            // A pending alert that stops holding is simply dropped by the caller (not in active).
            return;
        }
        if (AlertStates.PENDING.equals(old.state())
                && !now.isBefore(old.activeAt().plus(Duration.ofSeconds(rule.forSeconds())))) {
            // The summary shows the value at the moment it fired.
            String summary = Summary.render(rule, app, instance, value);
            AlertRecord fired = withState(old, AlertStates.FIRING, now, null, summary, value);
            active.put(subject, fired);
            upserts.add(fired);
            transitions.add(new Transition(Transition.Kind.FIRED, fired));
            return;
        }
        active.put(subject, old); // still pending, or still firing: nothing to store or announce
    }

    /** {@code namespace/rule/app[/instance]}: one alert at a time per subject. */
    static String subject(AlertRule rule, String app, String instance) {
        return rule.namespace() + "/" + rule.name() + "/" + app + (instance == null ? "" : "/" + instance);
    }

    /**
     * Stable and unique per episode without a random source or a counter: the subject and the
     * moment its condition started to hold, hashed (12 hex digits; a clash needs ~16 million
     * episodes of alerts, and then only one of two history records is overwritten).
     */
    static String id(String subject, Instant activeAt) {
        try {
            byte[] hash = MessageDigest.getInstance("SHA-256")
                    .digest((subject + "@" + activeAt).getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(hash, 0, 6);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JDK has SHA-256", e);
        }
    }

    private static AlertRecord withState(AlertRecord a, String state, Instant since, Instant resolvedAt, String summary,
            double value) {
        return new AlertRecord(a.id(), a.subject(), a.rule(), a.severity(), a.namespace(), a.app(), a.instance(),
                a.metric(), a.condition(), state, a.activeAt(), since, resolvedAt, summary, value);
    }
}
