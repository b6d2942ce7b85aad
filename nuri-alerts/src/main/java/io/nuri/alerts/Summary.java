package io.nuri.alerts;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The summary template of a rule: plain text with {@code {name}} placeholders, e.g.
 * {@code "{app}: APDEX {value} {op} {threshold} for 60 s"}. Only the names in {@link #PLACEHOLDERS}
 * exist; the decoder rejects others, so a typo is an apply error instead of a literal "{ap}".
 */
public final class Summary {
    public static final List<String> PLACEHOLDERS =
            List.of("namespace", "app", "instance", "rule", "metric", "value", "op", "threshold", "severity", "for");
    private static final Pattern PLACEHOLDER = Pattern.compile("\\{([A-Za-z]*)}");

    private Summary() {}

    /** The placeholders of {@code template} that do not exist; empty when all are fine. */
    public static List<String> unknown(String template) {
        List<String> out = new ArrayList<>();
        Matcher m = PLACEHOLDER.matcher(template);
        while (m.find()) {
            if (!PLACEHOLDERS.contains(m.group(1))) {
                out.add("{" + m.group(1) + "}");
            }
        }
        return out;
    }

    /** The default when a rule has none. */
    static String defaultTemplate(AlertRule rule) {
        String subject = rule.metric().perInstance() ? "instance {instance} of {app}" : "{app}";
        return "{metric} of " + subject + " is {value} ({op} {threshold})";
    }

    static String render(AlertRule rule, String app, String instance, double value) {
        String template = rule.summary() == null ? defaultTemplate(rule) : rule.summary();
        Map<String, String> values = Map.of("namespace", rule.namespace(), "app", app,
                "instance", instance == null ? "" : instance, "rule", rule.name(), "metric", rule.metric().specName(),
                "value", Values.format(value), "op", rule.condition().op().symbol(),
                "threshold", Values.format(rule.condition().threshold()), "severity", rule.severity().name(),
                "for", rule.forSeconds() + " s");
        Matcher m = PLACEHOLDER.matcher(template);
        StringBuilder out = new StringBuilder();
        while (m.find()) {
            m.appendReplacement(out, Matcher.quoteReplacement(values.getOrDefault(m.group(1), m.group())));
        }
        m.appendTail(out);
        return out.toString();
    }
}
