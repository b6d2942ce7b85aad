package io.nuri.server;

import static io.nuri.server.ApiResponses.json;
import static io.nuri.server.ApiResponses.requireApp;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.linecorp.armeria.common.AggregatedHttpRequest;
import com.linecorp.armeria.common.HttpResponse;
import com.linecorp.armeria.common.HttpStatus;
import com.linecorp.armeria.common.MediaType;
import com.linecorp.armeria.common.sse.ServerSentEvent;
import com.linecorp.armeria.server.ServiceRequestContext;
import com.linecorp.armeria.server.annotation.Blocking;
import com.linecorp.armeria.server.annotation.Default;
import com.linecorp.armeria.server.annotation.Delete;
import com.linecorp.armeria.server.annotation.ExceptionHandler;
import com.linecorp.armeria.server.annotation.Get;
import com.linecorp.armeria.server.annotation.Param;
import com.linecorp.armeria.server.annotation.Post;
import com.linecorp.armeria.server.annotation.Put;
import io.nuri.api.codec.Json;
import io.nuri.api.codec.SpecException;
import io.nuri.api.model.AppStatus;
import io.nuri.api.model.Instance;
import io.nuri.api.model.InstanceState;
import io.nuri.api.model.StoredApp;
import io.nuri.control.AppService;
import io.nuri.control.EndpointRegistry;
import io.nuri.store.Store;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.NoSuchElementException;
import java.util.Optional;

/** The REST API under {@code /api/v1}; see docs/api.md. Blocking: every call reads SQLite. */
@Blocking
@ExceptionHandler(ApiErrors.class)
final class ApiService {
    private static final int MAX_EVENTS = 1000;
    private static final int MAX_TAIL = 10_000;

    private final Store store;
    private final EndpointRegistry registry;
    private final AppService apps;
    private final LogSource logs;
    private final String driverName;
    private final String version;

    private io.nuri.alerts.AlertRuleService alertRules; // null: apply takes Apps only

    /** Lets {@code /api/v1/apply} take AlertRule documents too (see {@link KindRouter}). */
    ApiService withAlertRules(io.nuri.alerts.AlertRuleService rules) {
        this.alertRules = rules;
        return this;
    }

    ApiService(Store store, EndpointRegistry registry, AppService apps, LogSource logs, String driverName,
            String version) {
        this.store = store;
        this.registry = registry;
        this.apps = apps;
        this.logs = logs;
        this.driverName = driverName;
        this.version = version;
    }

    @Post("/api/v1/apply")
    public HttpResponse apply(AggregatedHttpRequest req, @Param("file") @Default("request body") String file,
            @Param("baseDir") Optional<String> baseDir, @Param("dryRun") @Default("false") boolean dryRun)
            throws SpecException {
        Path base = null;
        if (baseDir.isPresent()) {
            base = Path.of(baseDir.get());
            if (!base.isAbsolute()) {
                throw new IllegalArgumentException("baseDir: must be an absolute path, got \"" + baseDir.get() + "\"");
            }
        }
        List<?> results = alertRules == null ? apps.apply(file, req.contentUtf8(), base, dryRun)
                : KindRouter.apply(apps, alertRules, file, req.contentUtf8(), base, dryRun);
        ObjectNode body = Json.MAPPER.createObjectNode();
        body.set("results", Json.MAPPER.valueToTree(results));
        return json(body);
    }

    @Get("/api/v1/apps")
    public HttpResponse listApps(@Param("namespace") Optional<String> namespace) {
        List<StoredApp> found = namespace.map(store::apps).orElseGet(store::apps);
        List<Instance> instances = store.instances();
        return json(found.stream().map(a -> status(a, instances)).toList());
    }

    @Get("/api/v1/namespaces/{ns}/apps/{name}")
    public HttpResponse getApp(@Param("ns") String ns, @Param("name") String name) {
        return json(status(requireApp(store, ns, name), store.instances(ns, name)));
    }

    @Delete("/api/v1/namespaces/{ns}/apps/{name}")
    public HttpResponse deleteApp(@Param("ns") String ns, @Param("name") String name) {
        StoredApp deleting = apps.delete(ns, name);
        return json(HttpStatus.ACCEPTED, status(deleting, store.instances(ns, name)));
    }

    @Put("/api/v1/namespaces/{ns}/apps/{name}/scale")
    public HttpResponse scale(@Param("ns") String ns, @Param("name") String name, AggregatedHttpRequest req) {
        JsonNode body;
        try {
            body = Json.MAPPER.readTree(req.contentUtf8());
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalArgumentException("body: must be JSON like {\"replicas\": 3}: " + e.getOriginalMessage());
        }
        JsonNode replicas = body == null ? null : body.get("replicas");
        if (replicas == null || !replicas.isIntegralNumber() || !replicas.canConvertToInt()) {
            throw new IllegalArgumentException("replicas: must be an integer, got " + replicas);
        }
        requireApp(store, ns, name);
        StoredApp scaled = apps.scale(ns, name, replicas.intValue());
        return json(status(scaled, store.instances(ns, name)));
    }

    @Get("/api/v1/namespaces/{ns}/apps/{name}/revisions")
    public HttpResponse revisions(@Param("ns") String ns, @Param("name") String name) {
        requireApp(store, ns, name);
        return json(store.revisions(ns, name));
    }

    @Get("/api/v1/namespaces/{ns}/apps/{name}/instances")
    public HttpResponse appInstances(@Param("ns") String ns, @Param("name") String name) {
        requireApp(store, ns, name);
        return json(store.instances(ns, name));
    }

    @Get("/api/v1/namespaces/{ns}/apps/{name}/endpoints")
    public HttpResponse endpoints(@Param("ns") String ns, @Param("name") String name) {
        requireApp(store, ns, name);
        return json(registry.endpoints(ns, name));
    }

    /** The whole routing snapshot; a standalone gateway polls this. */
    @Get("/api/v1/routing")
    public HttpResponse routing() {
        return json(registry.table());
    }

    @Get("/api/v1/instances")
    public HttpResponse instances(@Param("namespace") Optional<String> namespace, @Param("app") Optional<String> app) {
        List<Instance> all = store.instances().stream()
                .filter(i -> namespace.isEmpty() || namespace.get().equals(i.namespace()))
                .filter(i -> app.isEmpty() || app.get().equals(i.app()))
                .toList();
        return json(all);
    }

    @Get("/api/v1/events")
    public HttpResponse events(@Param("namespace") Optional<String> namespace, @Param("app") Optional<String> app,
            @Param("after") @Default("0") long after, @Param("limit") @Default("100") int limit) {
        if (limit < 1 || limit > MAX_EVENTS) {
            throw new IllegalArgumentException("limit: must be between 1 and " + MAX_EVENTS + ", got " + limit);
        }
        return json(store.events(namespace.orElse(null), app.orElse(null), after, limit));
    }

    @Get("/api/v1/namespaces/{ns}/apps/{name}/logs")
    public HttpResponse logs(ServiceRequestContext ctx, @Param("ns") String ns, @Param("name") String name,
            @Param("instance") Optional<String> instance, @Param("tail") @Default("100") int tail,
            @Param("follow") @Default("false") boolean follow) throws IOException {
        if (tail < 0 || tail > MAX_TAIL) {
            throw new IllegalArgumentException("tail: must be between 0 and " + MAX_TAIL + ", got " + tail);
        }
        requireApp(store, ns, name);
        List<String> ids = instance.map(List::of).orElseGet(() -> store.instances(ns, name).stream()
                .map(Instance::id).sorted().toList());
        if (instance.isPresent() && store.instance(instance.get()).filter(i -> i.app().equals(name)).isEmpty()) {
            throw new NoSuchElementException("instance \"" + instance.get() + "\" of app \"" + name + "\" not found");
        }
        boolean prefix = instance.isEmpty();
        if (!follow) {
            StringBuilder text = new StringBuilder();
            for (String id : ids) {
                for (String line : logs.tail(id, tail)) {
                    text.append(prefix ? "[" + id + "] " : "").append(line).append('\n');
                }
            }
            return HttpResponse.of(HttpStatus.OK, MediaType.PLAIN_TEXT_UTF_8, text.toString());
        }
        return LogStream.of(ctx, emit -> {
            List<AutoCloseable> followers = new ArrayList<>();
            for (String id : ids) {
                for (String line : logs.tail(id, tail)) {
                    emit.accept(logEvent(id, line));
                }
                followers.add(logs.follow(id, line -> emit.accept(logEvent(id, line))));
            }
            return followers;
        });
    }

    @Get("/api/v1/version")
    public HttpResponse version() {
        return json(Json.MAPPER.createObjectNode().put("version", version).put("driver", driverName));
    }

    private static ServerSentEvent logEvent(String instanceId, String line) {
        ObjectNode data = Json.MAPPER.createObjectNode().put("instance", instanceId).put("line", line);
        return ServerSentEvent.builder().event("log").data(Json.write(data)).build();
    }

    static AppStatus status(StoredApp app, List<Instance> instances) {
        int ready = 0;
        int live = 0;
        for (Instance i : instances) {
            if (i.namespace().equals(app.namespace()) && i.app().equals(app.name())) {
                ready += i.state() == InstanceState.Ready ? 1 : 0;
                live += i.state().isLive() ? 1 : 0;
            }
        }
        return new AppStatus(app.name(), app.namespace(), app.app().spec().replicas(), ready, live, app.revision(),
                app.generation(), app.version(), app.deleting(), app.createdAt(), app.app());
    }
}
