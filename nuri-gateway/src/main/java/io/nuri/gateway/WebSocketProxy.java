package io.nuri.gateway;

import com.linecorp.armeria.client.websocket.WebSocketClient;
import com.linecorp.armeria.common.HttpHeaderNames;
import com.linecorp.armeria.common.HttpHeaders;
import com.linecorp.armeria.common.HttpHeadersBuilder;
import com.linecorp.armeria.common.RequestHeaders;
import com.linecorp.armeria.common.SessionProtocol;
import com.linecorp.armeria.common.websocket.WebSocket;
import com.linecorp.armeria.common.websocket.WebSocketCloseStatus;
import com.linecorp.armeria.common.websocket.WebSocketFrame;
import com.linecorp.armeria.common.websocket.WebSocketWriter;
import com.linecorp.armeria.server.HttpService;
import com.linecorp.armeria.server.ServiceRequestContext;
import com.linecorp.armeria.server.websocket.WebSocketService;
import com.linecorp.armeria.server.websocket.WebSocketServiceHandler;
import io.netty.util.AsciiString;
import java.util.Set;
import org.reactivestreams.Subscriber;
import org.reactivestreams.Subscription;

/**
 * WebSocket pass-through. Armeria terminates the upgrade (it answers 101 itself), so the proxy
 * is frame-level: the handler opens a WebSocket client to the chosen instance with the client's
 * headers (cookies, authorization, X-Forwarded-*) and pipes frames both ways, close frames
 * included. Only requests with {@code Upgrade: websocket} reach this service (HTTP/1.1 upgrade;
 * HTTP/2 extended CONNECT is not routed here).
 *
 * <p>Limits of this approach, because the 101 goes out before the instance is reached: a refused
 * upstream shows up as an immediate close (1011) instead of a 502, and a subprotocol requested
 * by the client cannot be negotiated end to end (Armeria picks from a fixed server-side list).
 */
final class WebSocketProxy implements WebSocketServiceHandler {
    private static final Set<AsciiString> NOT_FORWARDED = Set.of(
            HttpHeaderNames.HOST, HttpHeaderNames.CONNECTION, HttpHeaderNames.UPGRADE,
            HttpHeaderNames.SEC_WEBSOCKET_KEY, HttpHeaderNames.SEC_WEBSOCKET_VERSION,
            HttpHeaderNames.SEC_WEBSOCKET_EXTENSIONS, HttpHeaderNames.SEC_WEBSOCKET_PROTOCOL,
            HttpHeaderNames.CONTENT_LENGTH, HttpHeaderNames.of("origin"));

    private final Gateway gateway;

    private WebSocketProxy(Gateway gateway) {
        this.gateway = gateway;
    }

    static HttpService service(Gateway gateway) {
        return WebSocketService.builder(new WebSocketProxy(gateway))
                .allowedOrigins("*") // the app behind decides about origins
                .maxFramePayloadLength(16 * 1024 * 1024)
                .build();
    }

    @Override
    public WebSocket handle(ServiceRequestContext ctx, WebSocket in) {
        final WebSocketWriter out = WebSocket.streaming();
        final RequestHeaders headers = ctx.request().headers();
        final String host = RouteTable.hostOf(headers.authority());
        final RouteTable.Entry route = gateway.table().match(host, ctx.path());
        if (route == null || route.app.upstreams.length == 0) {
            in.abort();
            out.close(WebSocketCloseStatus.POLICY_VIOLATION,
                    route == null ? "no route" : route.app.noReadyMessage);
            return out;
        }
        final String clientIp = ProxyService.clientIp(ctx);
        final Exchange ex = new Exchange(gateway, ctx, ctx.request(), route, headers, clientIp, null);
        final int idx = ex.choose();
        final Upstream u = route.app.upstreams[Math.max(0, idx)];

        final HttpHeadersBuilder fwd = HttpHeaders.builder();
        headers.forEach((name, value) -> {
            if (!name.toString().startsWith(":") && !NOT_FORWARDED.contains(name)) {
                fwd.add(name, value);
            }
        });
        final String xff = headers.get(ProxyService.X_FORWARDED_FOR);
        fwd.set(ProxyService.X_FORWARDED_FOR, xff == null ? clientIp : xff + ", " + clientIp);
        fwd.set(ProxyService.X_FORWARDED_PROTO, ctx.sessionProtocol().isTls() ? "https" : "http");
        if (headers.authority() != null) {
            fwd.set(ProxyService.X_FORWARDED_HOST, headers.authority());
        }
        String path = route.stripPrefix ? route.strip(ctx.path()) : ctx.path();
        if (ctx.query() != null) {
            path = path + '?' + ctx.query();
        }
        final WebSocketClient client = WebSocketClient.builder(SessionProtocol.H1C,
                        com.linecorp.armeria.client.Endpoint.of(u.endpoint.host(), u.endpoint.port()))
                .factory(gateway.clientFactory())
                .maxFramePayloadLength(16 * 1024 * 1024)
                .aggregateContinuation(false)
                .build();
        u.inflight.incrementAndGet();
        client.connect(path, fwd.build()).handle((session, cause) -> {
            if (cause != null) {
                u.inflight.decrementAndGet();
                u.eject(gateway.nanoTime());
                in.abort();
                out.close(WebSocketCloseStatus.INTERNAL_SERVER_ERROR, "cannot connect to app " + route.app.key);
                return null;
            }
            session.setOutbound(in);
            session.inbound().subscribe(new Pipe(out));
            out.whenComplete().handle((v, t) -> u.inflight.decrementAndGet());
            return null;
        });
        return out;
    }

    /** Upstream frames to the client, one at a time (back-pressure follows the client). */
    private static final class Pipe implements Subscriber<WebSocketFrame> {
        private final WebSocketWriter out;
        private Subscription subscription;

        Pipe(WebSocketWriter out) {
            this.out = out;
        }

        @Override
        public void onSubscribe(Subscription s) {
            subscription = s;
            s.request(1);
        }

        @Override
        public void onNext(WebSocketFrame frame) {
            if (!out.tryWrite(frame)) {
                subscription.cancel();
                return;
            }
            out.whenConsumed().thenRun(() -> subscription.request(1));
        }

        @Override
        public void onError(Throwable t) {
            out.close(t);
        }

        @Override
        public void onComplete() {
            out.close();
        }
    }
}
