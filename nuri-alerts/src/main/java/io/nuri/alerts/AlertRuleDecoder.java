package io.nuri.alerts;

import static io.nuri.api.codec.NodeReader.between;

import com.fasterxml.jackson.databind.JsonNode;
import io.nuri.api.codec.Json;
import io.nuri.api.codec.NodeReader;
import io.nuri.api.codec.NodeReader.Problems;
import io.nuri.api.codec.SpecDecoder;
import io.nuri.api.codec.SpecException;
import io.nuri.api.spec.ObjectMeta;
import java.net.URI;
import java.net.URISyntaxException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * Reads {@code kind: AlertRule} documents with the same rules and error format as Apps: every
 * problem at once, each with the file, the field path and what is wrong; unknown fields rejected.
 */
public final class AlertRuleDecoder {
    private static final List<String> DOC_FIELDS = List.of("apiVersion", "kind", "metadata", "spec");
    private static final List<String> METADATA_FIELDS = List.of("name", "namespace");
    private static final List<String> SPEC_FIELDS =
            List.of("selector", "metric", "condition", "forSeconds", "severity", "summary", "notify");
    private static final List<String> SELECTOR_FIELDS = List.of("app");
    private static final List<String> CONDITION_FIELDS = List.of("op", "threshold");
    private static final List<String> NOTIFY_FIELDS = List.of("webhook");
    private static final List<String> WEBHOOK_FIELDS = List.of("url", "secretEnv", "timeoutMillis");
    private static final Pattern NAME = Pattern.compile("[a-z]([-a-z0-9]*[a-z0-9])?");
    private static final Pattern ENV_NAME = Pattern.compile("[A-Za-z_][A-Za-z0-9_]*");
    private static final int MAX_FOR_SECONDS = 86_400;
    private static final int MAX_SUMMARY = 500;

    private AlertRuleDecoder() {}

    /**
     * @param fileName the name used in errors; null or blank means "request body"
     * @return one rule per non-empty document
     * @throws SpecException with every problem found
     */
    public static List<AlertRule> decode(String fileName, String text) throws SpecException {
        Problems problems = problems(fileName);
        List<JsonNode> docs = SpecDecoder.documents(problems, text);
        List<AlertRule> rules = decode(problems, docs, null);
        if (problems.isEmpty() && rules.isEmpty()) {
            problems.add("", "no AlertRule in the file (it is empty or only has comments)");
        }
        if (!problems.isEmpty()) {
            throw new SpecException(problems.errors());
        }
        return rules;
    }

    static Problems problems(String fileName) {
        return new Problems(fileName == null || fileName.isBlank() ? "request body" : fileName);
    }

    /**
     * Decodes the documents at the given positions (all when {@code only} is null) of an already
     * parsed file; problems go to {@code problems}. For files that mix Apps and AlertRules.
     */
    public static List<AlertRule> decode(Problems problems, List<JsonNode> docs, List<Integer> only) {
        List<AlertRule> rules = new ArrayList<>();
        Map<String, Integer> keys = new HashMap<>();
        for (int i = 0; i < docs.size(); i++) {
            JsonNode doc = docs.get(i);
            if (doc == null || doc.isNull() || doc.isMissingNode() || (only != null && !only.contains(i))) {
                continue;
            }
            String docPath = SpecDecoder.docPath(i + 1);
            int before = problems.size();
            AlertRule rule = rule(NodeReader.document(problems, docPath, doc, DOC_FIELDS));
            if (rule == null || problems.size() > before) {
                continue;
            }
            Integer first = keys.putIfAbsent(rule.key(), i + 1);
            if (first != null) {
                problems.add(SpecDecoder.join(docPath, "metadata.name"),
                        "AlertRule \"" + rule.key() + "\" is already defined in document " + first);
                continue;
            }
            rules.add(rule);
        }
        return List.copyOf(rules);
    }

    /** The value of a document's {@code kind}, or null (tells a mixed file's Apps from its AlertRules). */
    public static String kindOf(JsonNode doc) {
        JsonNode kind = doc == null ? null : doc.get("kind");
        return kind != null && kind.isTextual() ? kind.textValue() : null;
    }

    private static AlertRule rule(NodeReader doc) {
        if (doc == null) {
            return null;
        }
        String apiVersion = doc.requiredString("apiVersion");
        if (apiVersion != null && !AlertRule.API_VERSION.equals(apiVersion)) {
            doc.error("apiVersion", "must be \"" + AlertRule.API_VERSION + "\", got " + Json.write(apiVersion));
        }
        String kind = doc.requiredString("kind");
        if (kind != null && !AlertRule.KIND.equals(kind)) {
            doc.error("kind", "must be \"" + AlertRule.KIND + "\", got " + Json.write(kind));
        }
        NodeReader metadata = doc.objectOrEmpty("metadata", METADATA_FIELDS);
        String name = null;
        String namespace = ObjectMeta.DEFAULT_NAMESPACE;
        if (metadata != null) {
            name = name(metadata, "name", metadata.requiredString("name"));
            String ns = name(metadata, "namespace", metadata.string("namespace"));
            namespace = ns != null ? ns : namespace;
        }
        NodeReader spec = doc.objectOrEmpty("spec", SPEC_FIELDS);
        if (spec == null) {
            return null;
        }
        String app = null;
        NodeReader selector = spec.object("selector", SELECTOR_FIELDS);
        if (selector != null) {
            app = name(selector, "app", selector.string("app"));
        }
        Metric metric = null;
        String metricName = spec.requiredString("metric");
        if (metricName != null) {
            metric = Metric.fromSpec(metricName).orElse(null);
            if (metric == null) {
                spec.error("metric", "must be one of " + String.join(", ", Metric.specNames()) + ", got "
                        + Json.write(metricName));
            }
        }
        Condition condition = condition(spec);
        int forSeconds = spec.integer("forSeconds", 0, between(0, MAX_FOR_SECONDS));
        Severity severity = Severity.warning;
        String severityName = spec.string("severity");
        if (severityName != null) {
            severity = Severity.fromSpec(severityName).orElse(null);
            if (severity == null) {
                spec.error("severity", "must be one of info, warning, critical, got " + Json.write(severityName));
            }
        }
        String summary = spec.string("summary");
        if (summary != null) {
            List<String> unknown = Summary.unknown(summary);
            if (summary.length() > MAX_SUMMARY) {
                spec.error("summary", "must be at most " + MAX_SUMMARY + " characters, got " + summary.length());
            } else if (!unknown.isEmpty()) {
                spec.error("summary", "unknown placeholder " + String.join(", ", unknown) + " (known: {"
                        + String.join("}, {", Summary.PLACEHOLDERS) + "})");
            }
        }
        List<Webhook> notify = notify(spec);
        if (name == null || metric == null || condition == null || severity == null) {
            return null;
        }
        return new AlertRule(namespace, name, app, metric, condition, forSeconds, severity, summary, notify, false);
    }

    private static Condition condition(NodeReader spec) {
        if (!spec.has("condition")) {
            spec.error("condition", "required (e.g. {op: \"<\", threshold: 0.7})");
            return null;
        }
        NodeReader c = spec.object("condition", CONDITION_FIELDS);
        if (c == null) {
            return null;
        }
        Condition.Op op = null;
        String opText = c.requiredString("op");
        if (opText != null) {
            op = Condition.Op.fromSpec(opText).orElse(null);
            if (op == null) {
                c.error("op", "must be one of <, <=, >, >=, got " + Json.write(opText));
            }
        }
        if (!c.has("threshold")) {
            c.error("threshold", "required (a number)");
            return null;
        }
        int before = c.problemCount();
        double threshold = c.number("threshold", 0, d -> null);
        return op == null || c.problemCount() > before ? null : new Condition(op, threshold);
    }

    private static List<Webhook> notify(NodeReader spec) {
        List<Webhook> out = new ArrayList<>();
        for (NodeReader n : spec.objects("notify", NOTIFY_FIELDS)) {
            NodeReader w = n.object("webhook", WEBHOOK_FIELDS);
            if (w == null) {
                if (!n.has("webhook")) {
                    n.error("webhook", "required (the only channel: {url: ..., secretEnv: ...})");
                }
                continue;
            }
            String url = w.requiredString("url");
            if (url != null) {
                String problem = urlProblem(url);
                if (problem != null) {
                    w.error("url", problem + ", got " + Json.write(url));
                    url = null;
                }
            }
            String secretEnv = w.string("secretEnv");
            if (secretEnv != null && !ENV_NAME.matcher(secretEnv).matches()) {
                w.error("secretEnv", "must be an environment variable name (letters, digits, '_'), got "
                        + Json.write(secretEnv));
            }
            int timeout = w.integer("timeoutMillis", Webhook.DEFAULT_TIMEOUT_MILLIS, between(100, 60_000));
            if (url != null) {
                out.add(new Webhook(url, secretEnv, timeout));
            }
        }
        return out;
    }

    private static String urlProblem(String url) {
        try {
            URI u = new URI(url);
            if (!"http".equals(u.getScheme()) && !"https".equals(u.getScheme())) {
                return "must be an http:// or https:// URL";
            }
            if (u.getHost() == null || u.getHost().isEmpty()) {
                return "must name a host";
            }
            if (u.getUserInfo() != null) {
                // The rule is shown by the API; credentials belong in secretEnv-signed bodies, not URLs.
                return "must not carry user:password (it would be shown by the API)";
            }
            return null;
        } catch (URISyntaxException e) {
            return "must be a URL: " + e.getReason();
        }
    }

    private static String name(NodeReader r, String field, String value) {
        if (value == null) {
            return null;
        }
        if (value.length() > SpecDecoder.MAX_NAME_LENGTH) {
            r.error(field, "must be at most " + SpecDecoder.MAX_NAME_LENGTH + " characters, got " + value.length());
            return null;
        }
        if (!NAME.matcher(value).matches()) {
            r.error(field, "must be lowercase letters, digits and '-', start with a letter and end with a letter or digit, got "
                    + Json.write(value));
            return null;
        }
        return value;
    }
}
