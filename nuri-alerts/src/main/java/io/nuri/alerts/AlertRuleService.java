package io.nuri.alerts;

import io.nuri.api.codec.SpecException;
import io.nuri.store.Store;
import io.nuri.store.StoredAlertRule;
import java.util.ArrayList;
import java.util.List;
import java.util.NoSuchElementException;

/** Applies, lists and deletes alert rules; only writes the store (the engine reads it every second). */
public final class AlertRuleService {
    /** One line of an apply's answer; {@code kind} tells it from an App's line in a mixed file. */
    public record ApplyResult(String kind, String namespace, String name, String action) {}

    private final Store store;

    public AlertRuleService(Store store) {
        this.store = store;
    }

    public List<ApplyResult> apply(String fileName, String text, boolean dryRun) throws SpecException {
        return apply(AlertRuleDecoder.decode(fileName, text), dryRun);
    }

    /** Stores every rule in one transaction; with {@code dryRun} says what would change and stores nothing. */
    public List<ApplyResult> apply(List<AlertRule> rules, boolean dryRun) {
        if (dryRun) {
            List<ApplyResult> out = new ArrayList<>();
            for (AlertRule r : rules) {
                String json = AlertRuleDocuments.toJson(r);
                String action = store.alertRules().stream()
                        .filter(s -> s.namespace().equals(r.namespace()) && s.name().equals(r.name()))
                        .findFirst().map(s -> s.documentJson().equals(json) ? "unchanged" : "configured")
                        .orElse("created");
                out.add(new ApplyResult(AlertRule.KIND, r.namespace(), r.name(), action));
            }
            return out;
        }
        return store.write(tx -> {
            List<ApplyResult> out = new ArrayList<>();
            for (AlertRule r : rules) {
                String action = tx.putAlertRule(r.namespace(), r.name(), AlertRuleDocuments.toJson(r));
                out.add(new ApplyResult(AlertRule.KIND, r.namespace(), r.name(), action));
            }
            return out;
        });
    }

    /** @throws NoSuchElementException when there is no such rule */
    public void delete(String namespace, String name) {
        boolean gone = store.write(tx -> tx.deleteAlertRule(namespace, name));
        if (!gone) {
            throw new NoSuchElementException("alert rule \"" + name + "\" not found in namespace \"" + namespace + "\"");
        }
    }

    /** The stored rules, decoded. */
    public List<AlertRule> stored() {
        List<AlertRule> out = new ArrayList<>();
        for (StoredAlertRule s : store.alertRules()) {
            out.add(AlertRuleDocuments.fromJson(s.namespace() + "/" + s.name(), s.documentJson()));
        }
        return out;
    }
}
