package io.nuri.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import com.linecorp.armeria.common.websocket.WebSocket;
import com.linecorp.armeria.common.websocket.WebSocketFrame;
import com.linecorp.armeria.common.websocket.WebSocketFrameType;
import com.linecorp.armeria.common.websocket.WebSocketWriter;
import com.linecorp.armeria.server.Server;
import com.linecorp.armeria.server.websocket.WebSocketService;
import io.nuri.api.model.Endpoint;
import io.nuri.api.spec.Traffic;
import java.net.URI;
import java.net.http.HttpClient;
import java.time.Instant;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class WebSocketTest extends GatewayTestSupport {

    @Test
    void aJdkWebSocketClientTalksToAnEchoBackendThroughTheGateway() throws Exception {
        final Server echo = Server.builder()
                .http(new java.net.InetSocketAddress("127.0.0.1", 0))
                .service("/echo", WebSocketService.of((ctx, in) -> {
                    final WebSocketWriter out = WebSocket.streaming();
                    in.subscribe(new org.reactivestreams.Subscriber<WebSocketFrame>() {
                        public void onSubscribe(org.reactivestreams.Subscription s) { s.request(Long.MAX_VALUE); }
                        public void onNext(WebSocketFrame f) {
                            if (f.type() == WebSocketFrameType.TEXT) {
                                out.write("echo " + f.text() + " cookie=" + ctx.request().headers().get("cookie"));
                            }
                        }
                        public void onError(Throwable t) { out.close(t); }
                        public void onComplete() { out.close(); }
                    });
                    return out;
                }))
                .build();
        echo.start().join();
        try {
            final Gateway gw = gateway();
            gw.update(table(app("ws", traffic(Traffic.LoadBalancer.roundRobin), new Endpoint("echo-1", "default",
                    "ws", 1, "127.0.0.1", echo.activeLocalPort(), Instant.EPOCH, 100))));
            final LinkedBlockingQueue<String> got = new LinkedBlockingQueue<>();
            final java.net.http.WebSocket ws = HttpClient.newHttpClient().newWebSocketBuilder()
                    .header("cookie", "s=1")
                    .buildAsync(URI.create("ws://127.0.0.1:" + gw.port() + "/echo"), new java.net.http.WebSocket.Listener() {
                        @Override
                        public CompletionStage<?> onText(java.net.http.WebSocket w, CharSequence data, boolean last) {
                            got.add(data.toString());
                            w.request(1);
                            return CompletableFuture.completedFuture(null);
                        }
                    }).get(10, TimeUnit.SECONDS);
            ws.sendText("hello", true).join();
            assertThat(got.poll(10, TimeUnit.SECONDS)).isEqualTo("echo hello cookie=s=1");
            ws.sendText("again", true).join();
            assertThat(got.poll(10, TimeUnit.SECONDS)).isEqualTo("echo again cookie=s=1");
            ws.sendClose(java.net.http.WebSocket.NORMAL_CLOSURE, "bye").get(10, TimeUnit.SECONDS);
            org.awaitility.Awaitility.await().until(() -> gw.inflight("echo-1") == 0);
        } finally {
            echo.stop();
        }
    }
}
