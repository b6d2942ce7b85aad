package io.nuri.server;

import static io.nuri.server.ApiResponses.json;
import static io.nuri.server.ApiResponses.requireApp;

import com.linecorp.armeria.common.HttpResponse;
import com.linecorp.armeria.common.HttpStatus;
import com.linecorp.armeria.server.annotation.Blocking;
import com.linecorp.armeria.server.annotation.ExceptionHandler;
import com.linecorp.armeria.server.annotation.Param;
import com.linecorp.armeria.server.annotation.Post;
import io.nuri.store.Store;
import java.util.Map;
import java.util.NoSuchElementException;

/** Operator actions on one instance (docs/api.md): restart. Blocking: reads SQLite. */
@Blocking
@ExceptionHandler(ApiErrors.class)
final class InstanceApi {
    /** Replaces one live instance; false when it is not a live instance of that app. */
    interface Restarter {
        boolean restartInstance(String namespace, String app, String instanceId);
    }

    private final Store store;
    private final Restarter controller;

    /** @param controller the process controllers, or the Kubernetes backend (which deletes the pod) */
    InstanceApi(Store store, Restarter controller) {
        this.store = store;
        this.controller = controller;
    }

    /** 202: the controller drains and stops the instance, then starts a replacement (see the events). */
    @Post("/api/v1/namespaces/{ns}/apps/{name}/instances/{id}/restart")
    public HttpResponse restart(@Param("ns") String ns, @Param("name") String name, @Param("id") String id) {
        requireApp(store, ns, name);
        if (!controller.restartInstance(ns, name, id)) {
            throw new NoSuchElementException("instance \"" + id + "\" of app \"" + name + "\" not found or not running");
        }
        return json(HttpStatus.ACCEPTED, Map.of("namespace", ns, "app", name, "instance", id, "restart", "requested"));
    }
}
