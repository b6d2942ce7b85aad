package io.nuri.store;

import io.nuri.api.model.Event;
import io.nuri.api.model.Instance;
import io.nuri.api.model.InstanceState;
import io.nuri.api.model.Revision;
import io.nuri.api.model.StoredApp;
import io.nuri.api.spec.App;
import io.nuri.api.spec.AppSpec;
import io.nuri.api.spec.ObjectMeta;
import io.nuri.api.spec.Probe;
import io.nuri.api.spec.Probes;
import io.nuri.api.spec.Resources;
import io.nuri.api.spec.RestartPolicy;
import io.nuri.api.spec.RunSpec;
import java.time.Instant;
import java.util.List;
import java.util.Map;

/** Small, fully populated objects for store tests. */
final class Fixtures {
    /** Has nanoseconds on purpose: the store must keep them. */
    static final Instant T0 = Instant.parse("2026-11-03T09:15:02.123456789Z");

    private Fixtures() {}

    static App app(String namespace, String name, int replicas, Map<String, String> labels) {
        Probe http = new Probe(new Probe.Http("/health"), null, null, 0, 1, 1, 3, 1);
        AppSpec spec = new AppSpec(new RunSpec("/opt/apps/" + name + ".jar", null, List.of("--server"), List.of("-Xmx64m"),
                null), Map.of("B", "2", "A", "1", "C", "3"), 8080, replicas, new Probes(null, http, http),
                RestartPolicy.Always, new Resources("500m", "256Mi"), List.of());
        return new App(App.API_VERSION, App.KIND, new ObjectMeta(name, namespace, labels), spec);
    }

    static App withLabels(App app, Map<String, String> labels) {
        return new App(app.apiVersion(), app.kind(), new ObjectMeta(app.name(), app.namespace(), labels), app.spec());
    }

    static StoredApp newApp(String namespace, String name) {
        return new StoredApp(app(namespace, name, 2, Map.of("team", "web")), 0, 0, 1, false, null, null);
    }

    static Revision revision(StoredApp app, int number) {
        return new Revision(app.namespace(), app.name(), number, "abc" + number, app.app().spec().template(),
                T0.plusSeconds(number));
    }

    static Instance instance(StoredApp app, String id) {
        return new Instance.Builder().id(id).namespace(app.namespace()).app(app.name()).revision(1)
                .state(InstanceState.Ready).pid(4242).port(31001).restarts(2).lastExitCode(137).reason("OOMKilled")
                .createdAt(T0).startedAt(T0.plusMillis(5)).readyAt(T0.plusNanos(1)).nextRestartAt(null)
                .handle("{\"pid\":4242,\"startTime\":1730000000}").build();
    }

    static Event event(String namespace, String app, String message) {
        return new Event(0, T0, namespace, app, null, Event.NORMAL, "Test", message);
    }
}
