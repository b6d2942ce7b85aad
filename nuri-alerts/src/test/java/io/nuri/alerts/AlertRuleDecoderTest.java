package io.nuri.alerts;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import io.nuri.api.codec.SpecError;
import io.nuri.api.codec.SpecException;
import java.util.List;
import org.junit.jupiter.api.Test;

class AlertRuleDecoderTest {
    @Test
    void aFullRuleDecodesAndDefaultsAreFilledIn() throws Exception {
        List<AlertRule> rules = AlertRuleDecoder.decode("alerts.yaml", """
                apiVersion: nuri.io/v1
                kind: AlertRule
                metadata: {name: portal-slow, namespace: gov}
                spec:
                  selector: {app: portal}
                  metric: p95Ms
                  condition: {op: ">=", threshold: 800}
                  forSeconds: 30
                  severity: critical
                  summary: "{app} p95 is {value} ms"
                  notify:
                    - webhook: {url: "http://127.0.0.1:9000/hook?team=a", secretEnv: HOOK_SECRET, timeoutMillis: 2000}
                ---
                apiVersion: nuri.io/v1
                kind: AlertRule
                metadata: {name: any-down}
                spec:
                  metric: instanceDown
                  condition: {op: ">", threshold: 0}
                """);
        AlertRule slow = rules.get(0);
        assertThat(slow.key()).isEqualTo("gov/portal-slow");
        assertThat(slow.app()).isEqualTo("portal");
        assertThat(slow.metric()).isEqualTo(Metric.P95_MS);
        assertThat(slow.condition()).isEqualTo(new Condition(Condition.Op.GE, 800));
        assertThat(slow.forSeconds()).isEqualTo(30);
        assertThat(slow.severity()).isEqualTo(Severity.critical);
        assertThat(slow.webhooks()).containsExactly(new Webhook("http://127.0.0.1:9000/hook?team=a", "HOOK_SECRET", 2000));

        AlertRule down = rules.get(1);
        assertThat(down.namespace()).isEqualTo("default");
        assertThat(down.app()).as("no selector: every app of the namespace").isNull();
        assertThat(down.severity()).isEqualTo(Severity.warning);
        assertThat(down.forSeconds()).isZero();
        assertThat(down.webhooks()).isEmpty();

        // The stored form reads back to the same rule.
        assertThat(AlertRuleDocuments.fromJson("stored", AlertRuleDocuments.toJson(slow))).isEqualTo(slow);
        assertThat(AlertRuleDocuments.fromJson("stored", AlertRuleDocuments.toJson(down))).isEqualTo(down);
    }

    @Test
    void everyProblemIsReportedAtOnceWithFileAndFieldPath() {
        SpecException e = catchThrowableOfType(SpecException.class, () -> AlertRuleDecoder.decode("alerts.yaml", """
                apiVersion: nuri.io/v2
                kind: AlertRule
                metadata: {name: Bad_Name, labels: {a: b}}
                spec:
                  selector: {app: portal, tier: web}
                  metric: latency
                  condition: {op: "=", threshold: "high"}
                  forSeconds: -5
                  severity: page
                  summary: "{app} is {valeu}"
                  colour: red
                  notify:
                    - webhook: {url: "ftp://hooks.example/x", secretEnv: "not-a-name", timeoutMillis: 10}
                    - email: ops@example.test
                ---
                apiVersion: nuri.io/v1
                kind: AlertRule
                metadata: {name: ok}
                spec: {metric: tps}
                """));
        assertThat(e.errors()).extracting(SpecError::toString).containsExactlyInAnyOrder(
                "alerts.yaml: apiVersion: must be \"nuri.io/v1\", got \"nuri.io/v2\"",
                "alerts.yaml: metadata.labels: unknown field (known: name, namespace)",
                "alerts.yaml: metadata.name: must be lowercase letters, digits and '-', start with a letter and end with a letter or digit, got \"Bad_Name\"",
                "alerts.yaml: spec.colour: unknown field (known: selector, metric, condition, forSeconds, severity, summary, notify)",
                "alerts.yaml: spec.selector.tier: unknown field (known: app)",
                "alerts.yaml: spec.metric: must be one of apdex, errorRate, p95Ms, p99Ms, tps, activeUsers, inFlight, readyInstances, restarts, instanceDown, got \"latency\"",
                "alerts.yaml: spec.condition.op: must be one of <, <=, >, >=, got \"=\"",
                "alerts.yaml: spec.condition.threshold: must be a number, got \"high\"",
                "alerts.yaml: spec.forSeconds: must be between 0 and 86400, got -5",
                "alerts.yaml: spec.severity: must be one of info, warning, critical, got \"page\"",
                "alerts.yaml: spec.summary: unknown placeholder {valeu} (known: {namespace}, {app}, {instance}, {rule}, {metric}, {value}, {op}, {threshold}, {severity}, {for})",
                "alerts.yaml: spec.notify[0].webhook.url: must be an http:// or https:// URL, got \"ftp://hooks.example/x\"",
                "alerts.yaml: spec.notify[0].webhook.secretEnv: must be an environment variable name (letters, digits, '_'), got \"not-a-name\"",
                "alerts.yaml: spec.notify[0].webhook.timeoutMillis: must be between 100 and 60000, got 10",
                "alerts.yaml: spec.notify[1].email: unknown field (known: webhook)",
                "alerts.yaml: spec.notify[1].webhook: required (the only channel: {url: ..., secretEnv: ...})",
                "alerts.yaml: [doc 2] spec.condition: required (e.g. {op: \"<\", threshold: 0.7})");
    }

    @Test
    void twoRulesWithOneNameAndAnEmptyFileAreRefused() {
        SpecException twice = catchThrowableOfType(SpecException.class, () -> AlertRuleDecoder.decode(null, """
                {"apiVersion": "nuri.io/v1", "kind": "AlertRule", "metadata": {"name": "a"},
                 "spec": {"metric": "tps", "condition": {"op": "<", "threshold": 1}}}
                """ + "---\n" + """
                apiVersion: nuri.io/v1
                kind: AlertRule
                metadata: {name: a}
                spec: {metric: tps, condition: {op: "<", threshold: 1}}
                """));
        // A leading '{' means the whole text is JSON (as kubectl): the '---' is a syntax error there.
        assertThat(twice.errors()).isNotEmpty();
        assertThat(twice.errors().getFirst().file()).isEqualTo("request body");

        SpecException dup = catchThrowableOfType(SpecException.class, () -> AlertRuleDecoder.decode("r.yaml", """
                apiVersion: nuri.io/v1
                kind: AlertRule
                metadata: {name: a}
                spec: {metric: tps, condition: {op: "<", threshold: 1}}
                ---
                apiVersion: nuri.io/v1
                kind: AlertRule
                metadata: {name: a}
                spec: {metric: apdex, condition: {op: "<", threshold: 1}}
                """));
        assertThat(dup.errors()).extracting(SpecError::toString)
                .containsExactly("r.yaml: [doc 2] metadata.name: AlertRule \"default/a\" is already defined in document 1");

        SpecException empty = catchThrowableOfType(SpecException.class, () -> AlertRuleDecoder.decode("r.yaml", "# nothing\n"));
        assertThat(empty.errors()).extracting(SpecError::toString)
                .containsExactly("r.yaml: no AlertRule in the file (it is empty or only has comments)");
    }
}
