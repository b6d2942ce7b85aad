package io.nuri.server;

import static io.nuri.server.ApiResponses.json;
import static io.nuri.server.ApiResponses.requireApp;

import com.linecorp.armeria.common.HttpResponse;
import com.linecorp.armeria.server.annotation.Blocking;
import com.linecorp.armeria.server.annotation.ExceptionHandler;
import com.linecorp.armeria.server.annotation.Get;
import com.linecorp.armeria.server.annotation.Param;
import io.nuri.control.autoscale.AutoscaleStatus;
import io.nuri.control.autoscale.Autoscaler;
import io.nuri.store.Store;
import java.util.NoSuchElementException;

/** {@code GET .../apps/{app}/autoscale}: bounds, targets, observed windows, last decisions. */
@Blocking
@ExceptionHandler(ApiErrors.class)
final class AutoscaleApi {
    private final Store store;
    private final Autoscaler autoscaler; // null where the platform does not scale (kubernetes: the HPA does)

    AutoscaleApi(Store store, Autoscaler autoscaler) {
        this.store = store;
        this.autoscaler = autoscaler;
    }

    @Get("/api/v1/namespaces/{ns}/apps/{name}/autoscale")
    public HttpResponse status(@Param("ns") String ns, @Param("name") String name) {
        requireApp(store, ns, name);
        if (autoscaler == null) {
            throw new NoSuchElementException("this platform does not run the autoscaler (driver kubernetes: see the"
                    + " app's HorizontalPodAutoscaler)");
        }
        AutoscaleStatus status = autoscaler.status(ns, name).orElseThrow(() -> new NoSuchElementException(
                "app " + ns + "/" + name + " has no spec.autoscale"));
        return json(status);
    }
}
