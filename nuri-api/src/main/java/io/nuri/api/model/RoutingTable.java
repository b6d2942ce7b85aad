package io.nuri.api.model;

import io.nuri.api.spec.Route;
import io.nuri.api.spec.Traffic;
import java.util.List;

/**
 * Everything a gateway needs, as one immutable snapshot: per app its routes, traffic policy and
 * Ready endpoints. The server publishes a new snapshot whenever any of them changes; a
 * standalone gateway fetches the same JSON from {@code GET /api/v1/routing}.
 *
 * @param version increases with every published snapshot
 */
public record RoutingTable(long version, List<AppRouting> apps) {
    public static final RoutingTable EMPTY = new RoutingTable(0, List.of());

    public RoutingTable {
        apps = List.copyOf(apps);
    }

    /**
     * One app's part of the table.
     *
     * @param hold when set (an app that scales to zero), a request that finds no Ready endpoint
     *     waits for one instead of getting a 503 at once; null: 503 at once
     */
    @com.fasterxml.jackson.annotation.JsonInclude(com.fasterxml.jackson.annotation.JsonInclude.Include.NON_NULL)
    public record AppRouting(String namespace, String app, List<Route> routes, Traffic traffic,
            List<Endpoint> endpoints, Hold hold) {
        public AppRouting {
            routes = List.copyOf(routes);
            endpoints = List.copyOf(endpoints);
        }

        public AppRouting(String namespace, String app, List<Route> routes, Traffic traffic, List<Endpoint> endpoints) {
            this(namespace, app, routes, traffic, endpoints, null);
        }

        public String key() {
            return namespace + "/" + app;
        }
    }

    /** Requests held while an app at zero starts: at most {@code maxRequests}, each up to {@code timeoutMillis}. */
    public record Hold(int maxRequests, long timeoutMillis) {}
}
