package io.nuri.server;

import com.linecorp.armeria.common.Cookie;
import io.nuri.apm.ApmHub;
import io.nuri.apm.Transaction;
import io.nuri.gateway.RequestSample;
import io.nuri.gateway.RequestStart;
import java.util.function.Consumer;

/**
 * Feeds the APM from the gateway: one transaction per completed request of a routed app. The
 * user behind a request is its {@code JSESSIONID} cookie (the session cookie of the agencies'
 * Java apps), else the client address. Requests under way are registered at the gateway's start
 * hook ({@link #started}) so the hub can tell how long they have been running.
 */
final class ApmRecorder implements Consumer<RequestSample> {
    static final String USER_COOKIE = "JSESSIONID";

    private final ApmHub hub;

    ApmRecorder(ApmHub hub) {
        this.hub = hub;
    }

    /** For {@code GatewayBuilder.requestStartListener}: the returned callback ends the request in the hub. */
    Runnable started(RequestStart s) {
        return hub.started(s.namespace(), s.app());
    }

    @Override
    public void accept(RequestSample s) {
        if (s.app() == null) {
            return; // no route matched: not an app's request
        }
        String user = null;
        if (s.requestHeaders() != null) {
            for (Cookie c : s.requestHeaders().cookies()) {
                if (USER_COOKIE.equals(c.name())) {
                    user = c.value();
                    break;
                }
            }
        }
        hub.record(s.namespace(), s.app(), s.routePrefix(), new Transaction(System.currentTimeMillis(), s.method(), s.path(), s.status(),
                s.durationNanos() / 1000, s.instanceId(), s.revision(), s.clientAddress(),
                user != null ? user : s.clientAddress(), s.traceId()));
    }
}
