package io.nuri.gateway;

import com.linecorp.armeria.common.HttpHeaderNames;
import com.linecorp.armeria.common.HttpRequest;
import com.linecorp.armeria.common.HttpResponse;
import com.linecorp.armeria.common.HttpStatus;
import com.linecorp.armeria.common.MediaType;
import com.linecorp.armeria.common.RequestHeaders;
import com.linecorp.armeria.common.RequestHeadersBuilder;
import com.linecorp.armeria.common.logging.RequestLog;
import com.linecorp.armeria.server.HttpService;
import com.linecorp.armeria.server.ServiceRequestContext;
import io.netty.util.AsciiString;
import java.net.InetAddress;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.Consumer;

/**
 * The gateway's one service: match the route, rewrite the headers, hand the request to an
 * {@link Exchange} that picks an instance and retries. Runs on the event loop that read the
 * request; reads the routing snapshot once (a volatile read) and takes no lock.
 */
final class ProxyService implements HttpService {
    static final AsciiString X_REQUEST_ID = HttpHeaderNames.of("x-request-id");
    static final AsciiString X_FORWARDED_FOR = HttpHeaderNames.X_FORWARDED_FOR;
    static final AsciiString X_FORWARDED_PROTO = HttpHeaderNames.X_FORWARDED_PROTO;
    static final AsciiString X_FORWARDED_HOST = HttpHeaderNames.X_FORWARDED_HOST;

    private final Gateway gateway;

    ProxyService(Gateway gateway) {
        this.gateway = gateway;
    }

    @Override
    public HttpResponse serve(ServiceRequestContext ctx, HttpRequest req) {
        final RequestHeaders headers = req.headers();
        String requestId = headers.get(X_REQUEST_ID);
        final boolean newId = requestId == null || requestId.isEmpty();
        if (newId) {
            requestId = newRequestId();
        }
        ctx.addAdditionalResponseHeader(X_REQUEST_ID, requestId);
        return route(ctx, req, requestId, newId, false);
    }

    /** Matches the route on the current table and sends the request on; {@code released}: it was held. */
    private HttpResponse route(ServiceRequestContext ctx, HttpRequest req, String requestId, boolean newId,
            boolean released) {
        final RouteTable table = gateway.table();
        final RequestHeaders headers = req.headers();
        final String authority = headers.authority();
        final String host = RouteTable.hostOf(authority);
        final String path = ctx.path();

        final RouteTable.Entry route = table.match(host, path);
        final Consumer<RequestSample> listener = gateway.listener();
        if (route == null) {
            if (listener != null) {
                emitLater(ctx, listener, null);
            }
            return plain(HttpStatus.NOT_FOUND, "no route for " + (host == null ? "" : host) + path);
        }
        final long maxBody = gateway.maxRequestBodyBytes();
        if (maxBody > 0 && headers.contentLength() > maxBody) {
            return plain(HttpStatus.REQUEST_ENTITY_TOO_LARGE, "request body larger than " + maxBody + " bytes");
        }
        final AppState app = route.app;
        if (app.upstreams.length == 0) {
            if (app.hold != null && !released) {
                return gateway.heldRequests().hold(ctx, app, () -> route(ctx, req, requestId, newId, true));
            }
            if (listener != null) {
                emitLater(ctx, listener, new Exchange(gateway, ctx, req, route, headers, clientIp(ctx),
                        TraceContext.from(headers, app.spanBits)));
            }
            return plain(HttpStatus.SERVICE_UNAVAILABLE, app.noReadyMessage);
        }

        final String clientIp = clientIp(ctx);
        final TraceContext trace = TraceContext.from(headers, app.spanBits);
        final RequestHeadersBuilder b = headers.toBuilder();
        if (route.stripPrefix) {
            final String query = ctx.query();
            final String stripped = route.strip(path);
            b.path(query == null ? stripped : stripped + '?' + query);
        }
        final String xff = headers.get(X_FORWARDED_FOR);
        b.set(X_FORWARDED_FOR, xff == null ? clientIp : xff + ", " + clientIp);
        b.set(X_FORWARDED_PROTO, ctx.sessionProtocol().isTls() ? "https" : "http");
        if (authority != null) {
            b.set(X_FORWARDED_HOST, authority);
        }
        if (newId) {
            b.set(X_REQUEST_ID, requestId);
        }
        b.set(TraceContext.TRACEPARENT, trace.traceparent());
        b.set(TraceContext.TRACESTATE, trace.tracestate());
        final Exchange ex = new Exchange(gateway, ctx, req, route, b.build(), clientIp, trace);
        if (listener != null) {
            emitLater(ctx, listener, ex);
        }
        return ex.start();
    }

    static HttpResponse plain(HttpStatus status, String reason) {
        return HttpResponse.of(status, MediaType.PLAIN_TEXT_UTF_8, reason);
    }

    static String clientIp(ServiceRequestContext ctx) {
        final InetAddress a = ctx.remoteAddress().getAddress();
        return a.getHostAddress();
    }

    /** 128 random bits as 32 hex digits: as unique as a UUID, without SecureRandom's cost. */
    static String newRequestId() {
        final ThreadLocalRandom r = ThreadLocalRandom.current();
        final long hi = r.nextLong();
        final long lo = r.nextLong();
        final char[] c = new char[32];
        for (int i = 0; i < 16; i++) {
            c[i] = HEX[(int) (hi >>> (60 - 4 * i)) & 0xf];
            c[16 + i] = HEX[(int) (lo >>> (60 - 4 * i)) & 0xf];
        }
        return new String(c);
    }

    private static final char[] HEX = "0123456789abcdef".toCharArray();

    private static void emitLater(ServiceRequestContext ctx, Consumer<RequestSample> listener, Exchange ex) {
        ctx.log().whenComplete().thenAccept(log -> emit(ctx, listener, ex, log));
    }

    private static void emit(ServiceRequestContext ctx, Consumer<RequestSample> listener, Exchange ex,
            RequestLog log) {
        final int status = log.responseHeaders().status().code();
        final Upstream u = ex == null ? null : ex.lastUpstream();
        final AppState app = ex == null ? null : ex.app;
        final TraceContext t = ex == null ? null : ex.trace;
        if (ex != null) {
            ex.ended(); // the start listener's end first: an exchange is never over in one view and under way in another
        }
        try {
            listener.accept(new RequestSample(app == null ? null : app.namespace, app == null ? null : app.app,
                    app == null ? null : app.key, u == null ? null : u.instanceId, u == null ? 0 : u.endpoint.revision(),
                    ctx.method().name(), ctx.path(), status, log.requestStartTimeNanos(), log.requestStartTimeMicros(),
                    log.totalDurationNanos(), ex == null || ex.clientIp == null ? clientIp(ctx) : ex.clientIp,
                    ex != null && ex.retried(),
                    ex == null ? null : ex.route.prefix, log.responseLength(), log.requestHeaders(),
                    t == null ? null : t.traceId(), t == null ? null : t.spanId(),
                    t == null ? null : t.parentSpanId(), t == null ? null : t.callerSpanId()));
        } catch (RuntimeException e) {
            Gateway.LOG.warn("request listener failed", e);
        }
    }
}
