package io.nuri.gslb;

import com.linecorp.armeria.client.ClientFactory;
import com.linecorp.armeria.client.WebClient;
import com.linecorp.armeria.common.HttpHeaderNames;
import com.linecorp.armeria.common.HttpMethod;
import com.linecorp.armeria.common.RequestHeaders;
import io.nuri.gslb.spec.HealthCheck;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;

/**
 * Checks every site of every service on its own interval with a plain HTTP GET (Host = the
 * service's name, so the site gateway answers for that app: 503 when it has no ready instance).
 * A check never overlaps the next one of the same site: the next is scheduled when one completes.
 */
final class HealthChecker implements AutoCloseable {
    interface Listener {
        void transition(ServiceState service, SiteHealth site, SiteHealth.Transition t);
    }

    private final ClientFactory factory;
    private final ScheduledExecutorService timer;
    private final LongSupplier clock;
    private final Listener listener;
    private final List<ScheduledFuture<?>> scheduled = new ArrayList<>();
    private volatile boolean closed;

    HealthChecker(ClientFactory factory, ScheduledExecutorService timer, LongSupplier clock, Listener listener) {
        this.factory = factory;
        this.timer = timer;
        this.clock = clock;
        this.listener = listener;
    }

    void start(List<ServiceState> services) {
        for (ServiceState s : services) {
            for (SiteHealth h : s.health()) {
                schedule(s, h, 0);
            }
        }
    }

    private synchronized void schedule(ServiceState service, SiteHealth site, long delayMillis) {
        if (closed) {
            return;
        }
        scheduled.removeIf(ScheduledFuture::isDone);
        scheduled.add(timer.schedule(() -> check(service, site), delayMillis, TimeUnit.MILLISECONDS));
    }

    private void check(ServiceState service, SiteHealth site) {
        HealthCheck c = site.site().healthCheck();
        String host = c.host() != null ? c.host() : service.service().hostnames().get(0);
        WebClient client = WebClient.builder("http://" + site.site().authority())
                .factory(factory)
                .responseTimeout(Duration.ofMillis(c.timeoutMillis()))
                .build();
        RequestHeaders headers = RequestHeaders.of(HttpMethod.GET, c.path(), HttpHeaderNames.HOST, host,
                HttpHeaderNames.USER_AGENT, "nuri-gslb-health");
        long started = clock.getAsLong();
        client.execute(headers).aggregate().handle((res, err) -> {
            boolean ok = err == null && res.status().code() < 400;
            String detail = err != null ? "GET " + c.path() + ": " + describe(err)
                    : "GET " + c.path() + ": " + res.status().code();
            SiteHealth.Transition t = site.record(ok, detail, clock.getAsLong());
            if (t != null) {
                listener.transition(service, site, t);
            }
            long next = Math.max(0, c.intervalSeconds() * 1000L - (clock.getAsLong() - started));
            schedule(service, site, next);
            return null;
        });
    }

    private static String describe(Throwable err) {
        Throwable t = err;
        while (t.getCause() != null && t.getCause() != t) {
            t = t.getCause();
        }
        String m = t.getMessage();
        return t.getClass().getSimpleName() + (m == null ? "" : " (" + m + ")");
    }

    @Override
    public synchronized void close() {
        closed = true;
        scheduled.forEach(f -> f.cancel(false));
    }
}
