package io.nuri.server;

import com.linecorp.armeria.common.Cookie;
import com.linecorp.armeria.common.HttpHeaderNames;
import com.linecorp.armeria.common.RequestHeaders;
import io.nuri.api.spec.ApmSpec;
import io.nuri.apm.ApmHub;
import io.nuri.apm.ServiceMap;
import io.nuri.apm.Transaction;
import io.nuri.gateway.RequestSample;
import io.nuri.gateway.RequestStart;
import java.util.Map;
import java.util.function.Consumer;

/**
 * Feeds the APM from the gateway: one transaction per completed request of a routed app. The
 * user behind a request is the app's {@code spec.apm} user cookie (default {@code JSESSIONID}, the
 * session cookie of the agencies' Java apps) or user header, else the client address. Requests
 * under way are registered at the gateway's start hook ({@link #started}) so the hub can tell how
 * long they have been running.
 */
final class ApmRecorder implements Consumer<RequestSample> {
    private final ApmHub hub;
    /** Per app key, from spec.apm; apps not listed use the JSESSIONID cookie. */
    private volatile Map<String, ApmSpec> settings = Map.of();
    private final ServiceMap serviceMap;

    ApmRecorder(ApmHub hub, ServiceMap serviceMap) {
        this.hub = hub;
        this.serviceMap = serviceMap;
    }

    /** Takes every app's {@code spec.apm}: user keys here, APDEX thresholds in the hub. */
    void settings(Map<String, ApmSpec> byApp) {
        this.settings = Map.copyOf(byApp);
        Map<String, Long> thresholds = new java.util.HashMap<>();
        byApp.forEach((k, v) -> thresholds.put(k, v.apdexThresholdMillis()));
        hub.apdexThresholds(thresholds);
    }

    /** For {@code GatewayBuilder.requestStartListener}: the returned callback ends the request in the hub. */
    Runnable started(RequestStart s) {
        return hub.startedByKey(s.appKey());
    }

    @Override
    public void accept(RequestSample s) {
        if (s.app() == null) {
            return; // no route matched: not an app's request
        }
        String user = s.requestHeaders() == null ? null : user(s.requestHeaders(), s.appKey());
        Transaction t = new Transaction(s.endMillis(), s.method(), s.path(), s.status(),
                s.durationNanos() / 1000, s.instanceId(), s.revision(), s.clientAddress(),
                user != null ? user : s.clientAddress(), s.traceId(), s.spanId(), s.parentSpanId(), s.callerSpanId());
        hub.recordByKey(s.appKey(), s.routePrefix(), t);
        serviceMap.record(s.appKey(), t);
    }

    /** The app's user cookie or header of the request; null when it has none. */
    private String user(RequestHeaders headers, String appKey) {
        ApmSpec apm = settings.getOrDefault(appKey, ApmSpec.DEFAULTS);
        if (apm.userHeader() != null) {
            return headers.get(apm.userHeader());
        }
        if (!headers.contains(HttpHeaderNames.COOKIE)) {
            return null; // most API calls: no cookie set to parse
        }
        for (Cookie c : headers.cookies()) {
            if (apm.userCookie().equals(c.name())) {
                return c.value();
            }
        }
        return null;
    }
}
