package io.nuri.gateway;

import com.linecorp.armeria.client.RequestOptions;
import com.linecorp.armeria.client.ResponseTimeoutException;
import com.linecorp.armeria.client.UnprocessedRequestException;
import com.linecorp.armeria.common.ClosedSessionException;
import com.linecorp.armeria.common.ContentTooLargeException;
import com.linecorp.armeria.common.Cookie;
import com.linecorp.armeria.common.HttpHeaderNames;
import com.linecorp.armeria.common.HttpMethod;
import com.linecorp.armeria.common.HttpRequest;
import com.linecorp.armeria.common.HttpRequestDuplicator;
import com.linecorp.armeria.common.HttpResponse;
import com.linecorp.armeria.common.HttpStatus;
import com.linecorp.armeria.common.RequestHeaders;
import com.linecorp.armeria.common.ResponseHeaders;
import com.linecorp.armeria.common.stream.ClosedStreamException;
import com.linecorp.armeria.common.util.Exceptions;
import com.linecorp.armeria.server.ServiceRequestContext;
import io.nuri.api.spec.Traffic;
import java.net.ConnectException;
import java.util.concurrent.TimeUnit;

/**
 * One client request on its way to an instance: chooses the endpoint (affinity, passive health,
 * balancer), sends, and on failure decides whether to try another one.
 *
 * <p>Why our own loop and not Armeria's {@code RetryingClient}: the next endpoint is not a
 * property of an endpoint group but of this request (affinity key, instances already tried,
 * ejections), the budget is ours, and the first attempt must cost nothing extra. The loop is a
 * chain of {@link HttpResponse#recover}: Armeria calls the function only when an attempt failed
 * before any response header went to the client, which is exactly the "never reached the
 * client" condition under which retrying is safe; status-based retries turn a retryable
 * response header into an exception in {@link HttpResponse#mapHeaders} so the same path
 * handles them. The request body is replayed with {@link HttpRequestDuplicator}, which is what
 * RetryingClient uses too, bounded by {@code maxRetryBodyBytes}: a larger or unknown-length
 * body is streamed once and not retried.
 */
final class Exchange {
    static final String AFFINITY_COOKIE = "NURI_AFFINITY";

    final Gateway gateway;
    final ServiceRequestContext ctx;
    final HttpRequest req;
    final RouteTable.Entry route;
    final AppState app;
    final TraceContext trace; // null on WebSocket upgrades (not traced)
    private final RequestHeaders fwd;
    final String clientIp;
    private Runnable onEnd; // the start listener's end callback, until it ran
    private final boolean idempotent;
    private final long deadlineNanos; // 0 = none
    private HttpRequestDuplicator dup;
    private boolean replayable;
    private int attemptNo;
    private int[] tried;
    private volatile Upstream last;
    private volatile boolean retried;
    private String pinCookie; // Set-Cookie value to add when the gateway chose the instance

    Exchange(Gateway gateway, ServiceRequestContext ctx, HttpRequest req, RouteTable.Entry route,
            RequestHeaders fwd, String clientIp, TraceContext trace) {
        this.gateway = gateway;
        this.ctx = ctx;
        this.req = req;
        this.route = route;
        this.app = route.app;
        this.fwd = fwd;
        this.clientIp = clientIp;
        this.trace = trace;
        this.idempotent = isIdempotent(ctx.method());
        this.deadlineNanos = route.timeoutMillis > 0
                ? gateway.nanoTime() + TimeUnit.MILLISECONDS.toNanos(route.timeoutMillis) : 0;
    }

    Upstream lastUpstream() {
        return last;
    }

    boolean retried() {
        return retried;
    }

    HttpResponse start() {
        app.budget.deposit();
        final java.util.function.Function<RequestStart, Runnable> onStart = gateway.startListener();
        if (onStart != null) {
            announceStart(onStart);
        }
        if (app.attempts > 1) {
            if (req.isEmpty()) {
                replayable = true;
            } else {
                final long len = fwd.contentLength();
                final long max = gateway.maxRetryBodyBytes();
                // Known small bodies are kept for a replay. An HTTP/2 GET often arrives as HEADERS
                // plus an empty DATA frame, so it has no length: idempotent methods without a
                // length are kept too, up to the same bound (a GET with a large body is odd enough
                // to be refused with 413 by the duplicator rather than buffered without limit).
                if (len >= 0 ? len <= max : idempotent && max > 0) {
                    dup = req.toDuplicator(ctx.eventLoop().withoutContext(), len >= 0 ? len : max);
                    replayable = true;
                    ctx.log().whenComplete().thenRun(dup::close);
                }
            }
        }
        return attempt();
    }

    /**
     * Tells the start listener; what it returned runs once the exchange's log completes (any
     * outcome): from the request listener's callback when there is one ({@link #ended}), else
     * from a callback of its own.
     */
    private void announceStart(java.util.function.Function<RequestStart, Runnable> onStart) {
        try {
            onEnd = onStart.apply(new RequestStart(app.namespace, app.app, app.key, ctx.method().name(), ctx.path(),
                    ctx.log().partial().requestStartTimeNanos(), trace == null ? null : trace.traceId(),
                    trace == null ? null : trace.spanId()));
        } catch (RuntimeException e) {
            Gateway.LOG.warn("request start listener failed", e);
            return;
        }
        if (onEnd != null && gateway.listener() == null) {
            ctx.log().whenComplete().thenRun(this::ended);
        }
    }

    /** Runs the start listener's end callback, once; on the event loop when the exchange's log completed. */
    void ended() {
        final Runnable r = onEnd;
        if (r != null) {
            onEnd = null;
            try {
                r.run();
            } catch (RuntimeException e) {
                Gateway.LOG.warn("request end callback failed", e);
            }
        }
    }

    private HttpRequest nextRequest() {
        if (dup != null) {
            return dup.duplicate(fwd);
        }
        if (attemptNo == 1) {
            return req.withHeaders(fwd);
        }
        return HttpRequest.of(fwd); // replayable without a duplicator = no body
    }

    private HttpResponse attempt() {
        final int idx = choose();
        if (idx < 0) {
            return ProxyService.plain(HttpStatus.BAD_GATEWAY, "no instance of app " + app.key + " could take the request");
        }
        final Upstream u = app.upstreams[idx];
        markTried(idx);
        last = u;
        attemptNo++;
        RequestOptions options = route.options;
        if (attemptNo > 1 && deadlineNanos != 0) {
            final long left = deadlineNanos - gateway.nanoTime();
            if (left <= 0) {
                return timedOut();
            }
            options = RequestOptions.builder().responseTimeoutMillis(Math.max(1, left / 1_000_000)).build();
        }
        final HttpRequest r = nextRequest();
        u.inflight.incrementAndGet();
        HttpResponse res;
        try {
            res = u.client.execute(r, options);
        } catch (RuntimeException e) {
            res = HttpResponse.ofFailure(e);
        }
        res.whenComplete().handle((unused, cause) -> {
            u.inflight.decrementAndGet();
            if (cause == null) {
                u.succeeded();
            }
            return null;
        });
        final boolean statusRetry = idempotent && app.retriesOnStatus() && canRetry();
        final Traffic.Affinity aff = app.traffic.affinity();
        final boolean learn = aff != null && aff.cookie() != null;
        if (statusRetry || pinCookie != null || learn) {
            final String pin = pinCookie;
            res = res.mapHeaders(h -> onHeaders(h, u, statusRetry, pin, learn));
        }
        return res.recover(this::onFailure);
    }

    private ResponseHeaders onHeaders(ResponseHeaders h, Upstream u, boolean statusRetry, String pin,
            boolean learn) {
        if (statusRetry && app.retriesStatus(h.status().code()) && app.budget.tryRetry()) {
            throw new StatusRetry();
        }
        if (learn) {
            gateway.learnSession(app, h, u);
        }
        if (pin != null) {
            return h.toBuilder().add(HttpHeaderNames.SET_COOKIE, pin).build();
        }
        return h;
    }

    private HttpResponse onFailure(Throwable cause) {
        final Throwable c = Exceptions.peel(cause);
        final Upstream u = last;
        if (c instanceof StatusRetry) {
            retried = true;
            return attempt();
        }
        if (c instanceof UnprocessedRequestException) {
            // Never reached the instance: safe to retry whatever the method.
            final Throwable why = c.getCause();
            if (why instanceof ConnectException || why instanceof ClosedSessionException
                    || why instanceof java.io.IOException) {
                u.eject(gateway.nanoTime());
                Gateway.LOG.debug("ejected {} of {}: {}", u, app.key, why.toString());
            }
            if (canRetry() && app.budget.tryRetry()) {
                retried = true;
                return attempt();
            }
            return ProxyService.plain(HttpStatus.BAD_GATEWAY, "cannot connect to app " + app.key);
        }
        if (c instanceof ResponseTimeoutException) {
            return timedOut();
        }
        if (c instanceof ContentTooLargeException
                || c.getCause() != null && Exceptions.peel(c.getCause()) instanceof ContentTooLargeException) {
            return ProxyService.plain(HttpStatus.REQUEST_ENTITY_TOO_LARGE, "request body too large");
        }
        if (c instanceof ClosedSessionException || c instanceof ClosedStreamException) {
            if (ctx.isCancelled()) {
                return HttpResponse.ofFailure(c); // the client went away
            }
            u.eject(gateway.nanoTime());
            // Reset or closed before any response byte (recover only sees failures before the
            // headers): the instance never answered, e.g. it was killed. Retried whatever the
            // method, as the gateway's contract says; a body is replayed only when it is bounded.
            if (canRetry() && app.budget.tryRetry()) {
                retried = true;
                return attempt();
            }
            return ProxyService.plain(HttpStatus.BAD_GATEWAY, "connection reset by app " + app.key);
        }
        if (ctx.isCancelled()) {
            return HttpResponse.ofFailure(c);
        }
        return ProxyService.plain(HttpStatus.BAD_GATEWAY, "bad gateway to app " + app.key + ": "
                + c.getClass().getSimpleName());
    }

    private HttpResponse timedOut() {
        return ProxyService.plain(HttpStatus.GATEWAY_TIMEOUT, "app " + app.key + " did not answer in time");
    }

    private boolean canRetry() {
        return replayable && attemptNo < app.attempts && attemptNo < app.upstreams.length;
    }

    // ---- choosing ----

    private void markTried(int idx) {
        if (tried == null) {
            tried = new int[] {idx, -1, -1};
        } else {
            for (int i = 0; i < tried.length; i++) {
                if (tried[i] < 0) {
                    tried[i] = idx;
                    return;
                }
            }
            final int[] t = java.util.Arrays.copyOf(tried, tried.length * 2);
            java.util.Arrays.fill(t, tried.length, t.length, -1);
            t[tried.length] = idx;
            tried = t;
        }
    }

    private boolean isTried(int idx) {
        if (tried != null) {
            for (int t : tried) {
                if (t == idx) {
                    return true;
                }
            }
        }
        return false;
    }

    /** Index of the endpoint for the next attempt, or -1 when every one was tried. */
    int choose() {
        final Upstream[] ups = app.upstreams;
        final long nowNanos = gateway.nanoTime();
        boolean anyEjected = false;
        for (Upstream u : ups) {
            if (u.ejected(nowNanos)) {
                anyEjected = true;
                break;
            }
        }
        final boolean restricted = anyEjected || tried != null;
        // Usable = not tried and not ejected; when nothing is, not tried (ejected ones anyway).
        final boolean ignoreEjection = restricted && noneUsable(ups, nowNanos);
        final java.util.function.IntPredicate usable = !restricted ? null
                : i -> !isTried(i) && (ignoreEjection || !ups[i].ejected(nowNanos));

        final Traffic.Affinity aff = app.traffic.affinity();
        if (aff != null) {
            final int pinned = pinned(aff, usable);
            if (pinned >= 0) {
                return pinned;
            }
        }
        final int idx = balance(usable, restricted);
        if (idx >= 0 && aff != null && aff.gatewayCookie()) {
            pinCookie = AFFINITY_COOKIE + '=' + ups[idx].instanceId + "; Path=/; HttpOnly; SameSite=Lax";
        }
        return idx;
    }

    private boolean noneUsable(Upstream[] ups, long nowNanos) {
        for (int i = 0; i < ups.length; i++) {
            if (!isTried(i) && !ups[i].ejected(nowNanos)) {
                return false;
            }
        }
        return true;
    }

    private int balance(java.util.function.IntPredicate usable, boolean restricted) {
        final long nowMillis = gateway.currentTimeMillis();
        if (!restricted) {
            return app.balancer.select(app, nowMillis);
        }
        int n = 0;
        final int[] idx = new int[app.upstreams.length];
        for (int i = 0; i < idx.length; i++) {
            if (usable.test(i)) {
                idx[n++] = i;
            }
        }
        if (n == 0) {
            return -1;
        }
        final AppState.Subset subset = app.new Subset(java.util.Arrays.copyOf(idx, n));
        return subset.index[app.balancer.select(subset, nowMillis)];
    }

    private int pinned(Traffic.Affinity aff, java.util.function.IntPredicate usable) {
        if (aff.gatewayCookie()) {
            final String id = cookie(AFFINITY_COOKIE);
            if (id != null) {
                final Integer i = app.indexById.get(id);
                if (i != null && (usable == null || usable.test(i))) {
                    return i;
                }
            }
            return -1;
        }
        final String key;
        if (aff.cookie() != null) {
            key = cookie(aff.cookie());
            if (key != null) {
                final int learned = gateway.learnedSession(app, key);
                if (learned >= 0 && (usable == null || usable.test(learned))) {
                    return learned;
                }
            }
        } else if (aff.header() != null) {
            key = req.headers().get(aff.header());
        } else if (aff.clientAddress()) {
            final String xff = req.headers().get(ProxyService.X_FORWARDED_FOR);
            if (xff != null && !xff.isBlank()) {
                final int comma = xff.indexOf(',');
                key = (comma < 0 ? xff : xff.substring(0, comma)).trim();
            } else {
                key = clientIp;
            }
        } else {
            key = null;
        }
        if (key == null || app.ring == null) {
            return -1;
        }
        return app.ring.lookup(key, usable);
    }

    private String cookie(String name) {
        if (!req.headers().contains(HttpHeaderNames.COOKIE)) {
            return null;
        }
        for (Cookie c : req.headers().cookies()) {
            if (c.name().equals(name)) {
                return c.value();
            }
        }
        return null;
    }

    static boolean isIdempotent(HttpMethod m) {
        return switch (m) {
            case GET, HEAD, OPTIONS, PUT, DELETE, TRACE -> true;
            default -> false;
        };
    }

    /** Signals a retryable response status from {@code mapHeaders} to {@code recover}. */
    static final class StatusRetry extends RuntimeException {
        StatusRetry() {
            super(null, null, false, false);
        }
    }
}
