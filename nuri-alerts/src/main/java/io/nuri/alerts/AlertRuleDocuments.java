package io.nuri.alerts;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.nuri.api.codec.Json;
import io.nuri.api.codec.SpecException;
import java.util.List;

/**
 * AlertRule <-> its document ({@code apiVersion, kind, metadata, spec}). The store keeps the
 * document with every default filled in, and reads it back through the decoder, so a stored rule
 * passes the same checks as an applied one.
 */
public final class AlertRuleDocuments {
    private AlertRuleDocuments() {}

    public static ObjectNode toDocument(AlertRule r) {
        ObjectNode doc = Json.MAPPER.createObjectNode();
        doc.put("apiVersion", AlertRule.API_VERSION);
        doc.put("kind", AlertRule.KIND);
        doc.putObject("metadata").put("name", r.name()).put("namespace", r.namespace());
        ObjectNode spec = doc.putObject("spec");
        if (r.app() != null) {
            spec.putObject("selector").put("app", r.app());
        }
        spec.put("metric", r.metric().specName());
        spec.putObject("condition").put("op", r.condition().op().symbol()).put("threshold", r.condition().threshold());
        spec.put("forSeconds", r.forSeconds());
        spec.put("severity", r.severity().name());
        if (r.summary() != null) {
            spec.put("summary", r.summary());
        }
        if (!r.webhooks().isEmpty()) {
            ArrayNode notify = spec.putArray("notify");
            for (Webhook w : r.webhooks()) {
                ObjectNode hook = notify.addObject().putObject("webhook");
                hook.put("url", w.url());
                if (w.secretEnv() != null) {
                    hook.put("secretEnv", w.secretEnv());
                }
                hook.put("timeoutMillis", w.timeoutMillis());
            }
        }
        return doc;
    }

    public static String toJson(AlertRule r) {
        return Json.write(toDocument(r));
    }

    /** Reads a stored document back; a document that no longer decodes is a bug, reported as such. */
    public static AlertRule fromJson(String where, String json) {
        try {
            List<AlertRule> rules = AlertRuleDecoder.decode(where, json);
            return rules.getFirst();
        } catch (SpecException e) {
            throw new IllegalStateException("stored alert rule " + where + " does not decode: " + e.getMessage(), e);
        }
    }
}
