package io.nuri.alerts;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;

/**
 * The rules a namespace gets while it has no AlertRule of its own (docs/alerts.md lists them).
 * They notify through the event log only; a namespace that wants webhooks writes its own rules,
 * and from then on only those apply there.
 */
public final class DefaultRules {
    private DefaultRules() {}

    public static List<AlertRule> forNamespace(String ns) {
        return List.of(
                new AlertRule(ns, "instance-terminated", null, Metric.INSTANCE_DOWN, new Condition(Condition.Op.GT, 0), 0,
                        Severity.critical, "Instance {instance} of {app} is down (terminated unexpectedly or not ready)",
                        List.of(), true),
                new AlertRule(ns, "crash-looping", null, Metric.RESTARTS, new Condition(Condition.Op.GE, 3), 0,
                        Severity.critical, "{app} is crash looping: {value} restarts in the last 5 minutes", List.of(),
                        true),
                // 30 s: a JVM app may take that long to pass readiness after a deploy or a restart.
                new AlertRule(ns, "no-ready-instance", null, Metric.READY_INSTANCES, new Condition(Condition.Op.LT, 1), 30,
                        Severity.critical, "{app} has no ready instance", List.of(), true),
                new AlertRule(ns, "low-apdex", null, Metric.APDEX, new Condition(Condition.Op.LT, 0.7), 60,
                        Severity.warning, "APDEX of {app} is {value} (< 0.7 for 60 s)", List.of(), true),
                new AlertRule(ns, "high-error-rate", null, Metric.ERROR_RATE, new Condition(Condition.Op.GT, 0.05), 60,
                        Severity.warning, "Error rate of {app} is {value} (> 5% for 60 s)", List.of(), true));
    }

    /**
     * The rules in force: the stored ones, plus the defaults of every namespace that has apps
     * but no rule.
     */
    public static List<AlertRule> effective(Collection<AlertRule> stored, Collection<String> appNamespaces) {
        Set<String> withRules = new TreeSet<>();
        stored.forEach(r -> withRules.add(r.namespace()));
        List<AlertRule> out = new ArrayList<>(stored);
        for (String ns : new TreeSet<>(appNamespaces)) {
            if (!withRules.contains(ns)) {
                out.addAll(forNamespace(ns));
            }
        }
        return out;
    }
}
