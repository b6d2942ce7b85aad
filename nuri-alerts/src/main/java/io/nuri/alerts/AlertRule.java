package io.nuri.alerts;

import java.util.List;

/**
 * One {@code kind: AlertRule} document, decoded and checked ({@link AlertRuleDecoder}).
 *
 * @param app the app it watches; null: every app of the namespace
 * @param forSeconds how long the condition must hold before the alert fires (0: at once)
 * @param summary a template; {@code {app}}, {@code {instance}}, {@code {value}}, ... are replaced
 *     ({@link Summary})
 * @param builtIn one of {@link DefaultRules}, not stored
 */
public record AlertRule(String namespace, String name, String app, Metric metric, Condition condition, int forSeconds,
        Severity severity, String summary, List<Webhook> webhooks, boolean builtIn) {
    public static final String API_VERSION = "nuri.io/v1";
    public static final String KIND = "AlertRule";

    public AlertRule {
        webhooks = webhooks == null ? List.of() : List.copyOf(webhooks);
    }

    public String key() {
        return namespace + "/" + name;
    }

    public boolean matches(String appNamespace, String appName) {
        return namespace.equals(appNamespace) && (app == null || app.equals(appName));
    }
}
