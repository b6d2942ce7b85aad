package io.nuri.control;

import io.nuri.api.codec.SpecError;
import io.nuri.api.model.StoredApp;
import io.nuri.api.spec.App;
import io.nuri.api.spec.Route;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * One host + path belongs to one app: an apply whose route is already another app's (stored, or
 * earlier in the same file) is refused, naming the owner. Checked at apply because the gateway
 * could otherwise only pick one of the two silently.
 */
final class RouteConflicts {
    private RouteConflicts() {}

    static List<SpecError> check(String fileName, List<App> applying, List<StoredApp> stored) {
        Map<String, String> owners = new HashMap<>();
        for (StoredApp s : stored) {
            if (!s.deleting()) {
                for (Route r : s.app().spec().routes()) {
                    owners.put(key(r), s.key());
                }
            }
        }
        // Apps being applied replace their stored selves: drop what they owned before.
        for (App a : applying) {
            owners.values().removeIf(owner -> owner.equals(a.key()));
        }
        List<SpecError> errors = new ArrayList<>();
        for (int doc = 0; doc < applying.size(); doc++) {
            App app = applying.get(doc);
            List<Route> routes = app.spec().routes();
            for (int i = 0; i < routes.size(); i++) {
                String owner = owners.putIfAbsent(key(routes.get(i)), app.key());
                if (owner != null && !owner.equals(app.key())) {
                    Route r = routes.get(i);
                    errors.add(new SpecError(fileName, (doc == 0 ? "" : "[doc " + (doc + 1) + "] ") + "spec.routes[" + i + "]",
                            "host \"" + host(r) + "\" and path \"" + r.path() + "\" are already routed to app " + owner));
                }
            }
        }
        return errors;
    }

    private static String key(Route r) {
        return host(r) + " " + r.path();
    }

    private static String host(Route r) {
        return r.host() == null ? Route.ANY_HOST : r.host();
    }
}
