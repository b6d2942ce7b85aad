package io.nuri.server;

import com.fasterxml.jackson.databind.JsonNode;
import io.nuri.alerts.AlertRule;
import io.nuri.alerts.AlertRuleDecoder;
import io.nuri.alerts.AlertRuleService;
import io.nuri.api.codec.Json;
import io.nuri.api.codec.NodeReader.Problems;
import io.nuri.api.codec.SpecDecoder;
import io.nuri.api.codec.SpecError;
import io.nuri.api.codec.SpecException;
import io.nuri.control.AppService;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * {@code POST /api/v1/apply} for files that hold AlertRules, alone or beside Apps. A file without
 * an AlertRule goes to {@link AppService} untouched. Otherwise the AlertRule documents are decoded
 * here and the Apps are handed on as a stream in which every other document is left empty, so the
 * Apps keep their document numbers in errors ({@code [doc 3] spec.port}). Every error of both
 * kinds is reported at once; nothing is stored while any document is invalid. Apps are stored
 * first, then the rules (two transactions).
 */
final class KindRouter {
    private KindRouter() {}

    static List<Object> apply(AppService apps, AlertRuleService rules, String file, String text, Path baseDir,
            boolean dryRun) throws SpecException {
        Problems problems = new Problems(file == null || file.isBlank() ? "request body" : file);
        List<JsonNode> docs = SpecDecoder.documents(problems, text);
        List<Integer> alertDocs = new ArrayList<>();
        List<Integer> appDocs = new ArrayList<>();
        for (int i = 0; i < docs.size(); i++) {
            JsonNode doc = docs.get(i);
            if (doc == null || doc.isNull() || doc.isMissingNode()) {
                continue;
            }
            (AlertRule.KIND.equals(AlertRuleDecoder.kindOf(doc)) ? alertDocs : appDocs).add(i);
        }
        if (!problems.isEmpty() || alertDocs.isEmpty()) {
            return List.copyOf(apps.apply(file, text, baseDir, dryRun));
        }
        List<AlertRule> decoded = AlertRuleDecoder.decode(problems, docs, alertDocs);
        String appText = appDocs.isEmpty() ? null : onlyApps(docs, appDocs);
        if (!problems.isEmpty()) {
            List<SpecError> all = new ArrayList<>();
            if (appText != null) {
                try {
                    apps.apply(file, appText, baseDir, true); // to report the Apps' errors too
                } catch (SpecException e) {
                    all.addAll(e.errors());
                }
            }
            all.addAll(problems.errors());
            throw new SpecException(all);
        }
        List<Object> results = new ArrayList<>();
        if (appText != null) {
            results.addAll(apps.apply(file, appText, baseDir, dryRun));
        }
        results.addAll(rules.apply(decoded, dryRun));
        return results;
    }

    /** A YAML stream with the App documents (as JSON, which is YAML) in place and the others empty. */
    static String onlyApps(List<JsonNode> docs, List<Integer> appDocs) {
        List<String> parts = new ArrayList<>();
        for (int i = 0; i < docs.size(); i++) {
            parts.add(appDocs.contains(i) ? Json.write(docs.get(i)) : "");
        }
        return "---\n" + String.join("\n---\n", parts) + "\n";
    }
}
