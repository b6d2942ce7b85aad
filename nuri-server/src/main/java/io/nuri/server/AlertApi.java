package io.nuri.server;

import static io.nuri.server.ApiResponses.json;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.linecorp.armeria.common.AggregatedHttpRequest;
import com.linecorp.armeria.common.HttpResponse;
import com.linecorp.armeria.server.annotation.Blocking;
import com.linecorp.armeria.server.annotation.Default;
import com.linecorp.armeria.server.annotation.Delete;
import com.linecorp.armeria.server.annotation.ExceptionHandler;
import com.linecorp.armeria.server.annotation.Get;
import com.linecorp.armeria.server.annotation.Param;
import com.linecorp.armeria.server.annotation.Post;
import io.nuri.alerts.AlertEngine;
import io.nuri.alerts.AlertRule;
import io.nuri.alerts.AlertRuleService;
import io.nuri.alerts.AlertStates;
import io.nuri.alerts.Webhook;
import io.nuri.api.codec.Json;
import io.nuri.api.codec.SpecException;
import io.nuri.store.AlertRecord;
import io.nuri.store.Store;
import java.net.URI;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/** Alert rules and alerts (docs/alerts.md): apply, list, delete rules; list alerts. */
@Blocking
@ExceptionHandler(ApiErrors.class)
final class AlertApi {
    private static final int MAX_ALERTS = 1000;

    private final Store store;
    private final AlertRuleService rules;
    private final AlertEngine engine;

    AlertApi(Store store, AlertRuleService rules, AlertEngine engine) {
        this.store = store;
        this.rules = rules;
        this.engine = engine;
    }

    @Post("/api/v1/alertrules")
    public HttpResponse apply(AggregatedHttpRequest req, @Param("file") @Default("request body") String file,
            @Param("dryRun") @Default("false") boolean dryRun) throws SpecException {
        List<AlertRuleService.ApplyResult> results = rules.apply(file, req.contentUtf8(), dryRun);
        return json(Map.of("results", results));
    }

    /** The stored rules and, marked builtIn, the defaults in force in namespaces without rules. */
    @Get("/api/v1/alertrules")
    public HttpResponse list(@Param("namespace") Optional<String> namespace) {
        List<AlertRule> all = new ArrayList<>(rules.stored());
        engine.effectiveRules().stream().filter(AlertRule::builtIn).forEach(all::add);
        List<Map<String, Object>> out = new ArrayList<>();
        for (AlertRule r : all) {
            if (namespace.isPresent() && !namespace.get().equals(r.namespace())) {
                continue;
            }
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("namespace", r.namespace());
            m.put("name", r.name());
            m.put("builtIn", r.builtIn());
            m.put("app", r.app());
            m.put("metric", r.metric().specName());
            m.put("condition", r.condition().toString());
            m.put("forSeconds", r.forSeconds());
            m.put("severity", r.severity().name());
            m.put("summary", r.summary());
            List<Map<String, Object>> hooks = new ArrayList<>();
            for (Webhook w : r.webhooks()) {
                Map<String, Object> h = new LinkedHashMap<>();
                h.put("url", redacted(w.url()));
                h.put("secretEnv", w.secretEnv());
                h.put("timeoutMillis", w.timeoutMillis());
                hooks.add(h);
            }
            m.put("webhooks", hooks);
            out.add(m);
        }
        out.sort(Comparator.comparing((Map<String, Object> m) -> (String) m.get("namespace"))
                .thenComparing(m -> (Boolean) m.get("builtIn"))
                .thenComparing(m -> (String) m.get("name")));
        return json(out);
    }

    @Delete("/api/v1/namespaces/{ns}/alertrules/{name}")
    public HttpResponse delete(@Param("ns") String ns, @Param("name") String name) {
        rules.delete(ns, name);
        return json(Map.of("namespace", ns, "name", name, "deleted", true));
    }

    /** Firing first, then pending, then resolved; newest first within each. */
    @Get("/api/v1/alerts")
    public HttpResponse alerts(@Param("state") @Default("firing") String state, @Param("namespace") Optional<String> namespace,
            @Param("app") Optional<String> app, @Param("limit") @Default("200") int limit) {
        if (limit < 1 || limit > MAX_ALERTS) {
            throw new IllegalArgumentException("limit: must be between 1 and " + MAX_ALERTS + ", got " + limit);
        }
        Set<String> states = switch (state) {
            case "all" -> Set.of();
            case AlertStates.FIRING, AlertStates.RESOLVED, AlertStates.PENDING -> Set.of(state);
            default -> throw new IllegalArgumentException("state: must be firing, pending, resolved or all, got \""
                    + state + "\"");
        };
        List<AlertRecord> found = new ArrayList<>();
        if (states.isEmpty()) {
            // The active ones are few; the history fills what the limit leaves.
            found.addAll(store.alerts(Set.of(AlertStates.FIRING, AlertStates.PENDING), namespace.orElse(null),
                    app.orElse(null), limit));
            found.addAll(store.alerts(Set.of(AlertStates.RESOLVED), namespace.orElse(null), app.orElse(null),
                    Math.max(0, limit - found.size())));
        } else {
            found.addAll(store.alerts(states, namespace.orElse(null), app.orElse(null), limit));
        }
        found.sort(Comparator.comparingInt((AlertRecord a) -> rank(a.state()))
                .thenComparing(a -> a.resolvedAt() != null ? a.resolvedAt() : a.since(), Comparator.reverseOrder()));
        ArrayNode out = Json.MAPPER.createArrayNode();
        for (AlertRecord a : found.subList(0, Math.min(limit, found.size()))) {
            out.add(view(a));
        }
        return json(out);
    }

    /** The contract's fields, absent values as explicit nulls (the console reads resolvedAt: null). */
    static ObjectNode view(AlertRecord a) {
        ObjectNode m = Json.MAPPER.createObjectNode();
        m.put("id", a.id());
        m.put("rule", a.rule());
        m.put("severity", a.severity());
        m.put("namespace", a.namespace());
        m.put("app", a.app());
        m.put("instance", a.instance());
        m.put("state", a.state());
        m.put("since", a.since() == null ? null : a.since().toString());
        m.put("resolvedAt", a.resolvedAt() == null ? null : a.resolvedAt().toString());
        m.put("summary", a.summary());
        m.put("value", a.value());
        m.put("metric", a.metric());
        m.put("condition", a.condition());
        m.put("activeAt", a.activeAt() == null ? null : a.activeAt().toString());
        return m;
    }

    private static int rank(String state) {
        return switch (state) {
            case AlertStates.FIRING -> 0;
            case AlertStates.PENDING -> 1;
            default -> 2;
        };
    }

    /** A webhook URL's query or user info may be a token: the list shows scheme, host, port and path. */
    private static String redacted(String url) {
        URI u = URI.create(url);
        String shown = u.getScheme() + "://" + u.getHost() + (u.getPort() < 0 ? "" : ":" + u.getPort())
                + (u.getRawPath() == null ? "" : u.getRawPath());
        return u.getRawQuery() == null ? shown : shown + "?…";
    }
}
