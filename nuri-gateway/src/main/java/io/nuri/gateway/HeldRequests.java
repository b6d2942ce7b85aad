package io.nuri.gateway;

import com.linecorp.armeria.common.HttpResponse;
import com.linecorp.armeria.common.HttpStatus;
import com.linecorp.armeria.server.ServiceRequestContext;
import io.nuri.api.model.RoutingTable;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * Requests that arrived for an app with no Ready instance while the app scales from zero (its
 * routing says {@link RoutingTable.Hold}): they wait in arrival order, bounded in number and
 * time, and are sent on as soon as a routing update brings an instance. Past the bound a request
 * gets a 503 that says why; past the timeout it is routed once more (a 503 when still no instance). The autoscaler reads {@link #held} to wake the app.
 */
final class HeldRequests {
    private static final class Held {
        final ServiceRequestContext ctx;
        final CompletableFuture<HttpResponse> response = new CompletableFuture<>();
        final Supplier<HttpResponse> resume;

        Held(ServiceRequestContext ctx, Supplier<HttpResponse> resume) {
            this.ctx = ctx;
            this.resume = resume;
        }
    }

    private final Map<String, ArrayDeque<Held>> byApp = new ConcurrentHashMap<>();

    /**
     * Holds one request of {@code app}; {@code resume} routes it again once released (on the
     * request's event loop). Returns the response the client will get.
     */
    HttpResponse hold(ServiceRequestContext ctx, AppState app, Supplier<HttpResponse> resume) {
        final RoutingTable.Hold policy = app.hold;
        final ArrayDeque<Held> queue = byApp.computeIfAbsent(app.key, k -> new ArrayDeque<>());
        final Held h = new Held(ctx, resume);
        synchronized (queue) {
            if (queue.size() >= policy.maxRequests()) {
                return ProxyService.plain(HttpStatus.SERVICE_UNAVAILABLE, "app " + app.key + " is starting from zero and "
                        + policy.maxRequests() + " requests are already waiting for it");
            }
            queue.addLast(h);
        }
        ctx.eventLoop().schedule(() -> {
            if (remove(app.key, h)) {
                complete(h); // routed once more: served if an instance just came, else the usual 503
            }
        }, policy.timeoutMillis(), TimeUnit.MILLISECONDS);
        ctx.whenRequestCancelling().thenRun(() -> remove(app.key, h));
        return HttpResponse.of(h.response);
    }

    /** Requests waiting for {@code appKey} ("namespace/app"). */
    int held(String appKey) {
        final ArrayDeque<Held> queue = byApp.get(appKey);
        if (queue == null) {
            return 0;
        }
        synchronized (queue) {
            return queue.size();
        }
    }

    /**
     * After a routing update: releases, in arrival order, the requests of every app that now has
     * endpoints or no longer holds (they are routed again and get what any request would get).
     */
    void release(Map<String, AppState> apps) {
        for (Map.Entry<String, ArrayDeque<Held>> e : byApp.entrySet()) {
            final AppState app = apps.get(e.getKey());
            if (app != null && app.hold != null && app.upstreams.length == 0) {
                continue;
            }
            final List<Held> out;
            final ArrayDeque<Held> queue = e.getValue();
            synchronized (queue) {
                out = new ArrayList<>(queue);
                queue.clear();
            }
            for (Held h : out) {
                h.ctx.eventLoop().execute(() -> complete(h));
            }
        }
        byApp.entrySet().removeIf(e -> !apps.containsKey(e.getKey()) && e.getValue().isEmpty());
    }

    private static void complete(Held h) {
        try {
            h.response.complete(h.resume.get());
        } catch (RuntimeException ex) {
            h.response.completeExceptionally(ex);
        }
    }

    private boolean remove(String appKey, Held h) {
        final ArrayDeque<Held> queue = byApp.get(appKey);
        if (queue == null) {
            return false;
        }
        synchronized (queue) {
            return queue.remove(h);
        }
    }
}
