package io.nuri.gateway;

import com.linecorp.armeria.common.HttpData;
import com.linecorp.armeria.common.HttpRequest;
import com.linecorp.armeria.common.HttpResponse;
import com.linecorp.armeria.common.HttpResponseWriter;
import com.linecorp.armeria.common.HttpStatus;
import com.linecorp.armeria.common.MediaType;
import com.linecorp.armeria.common.ResponseHeaders;
import com.linecorp.armeria.server.Server;
import com.linecorp.armeria.server.ServiceRequestContext;
import io.nuri.api.model.Endpoint;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A tiny real backend on 127.0.0.1 for gateway tests. Every response body starts with the
 * backend's name so tests can tell who answered.
 * <ul>
 *   <li>{@code /slow?ms=N} answers after N ms</li>
 *   <li>{@code /status/NNN} answers with that status</li>
 *   <li>{@code /upload} counts the streamed request body and answers with the byte count</li>
 *   <li>{@code /download?bytes=N} streams N bytes in 64 KiB chunks</li>
 *   <li>{@code /cookie} sets JSESSIONID=&lt;name&gt;-&lt;n&gt;</li>
 *   <li>anything else: name, path and the forwarded headers, one per line</li>
 * </ul>
 */
final class Backend implements AutoCloseable {
    final String name;
    final Server server;
    final AtomicInteger hits = new AtomicInteger();
    final AtomicLong uploaded = new AtomicLong();

    Backend(String name) {
        this.name = name;
        this.server = Server.builder()
                .http(new java.net.InetSocketAddress("127.0.0.1", 0))
                .maxRequestLength(0)
                .requestTimeoutMillis(0)
                .gracefulShutdownTimeoutMillis(0, 0)
                .connectionDrainDurationMicros(0)
                .serviceUnder("/", this::serve)
                .build();
        server.start().join();
    }

    int port() {
        return server.activeLocalPort();
    }

    Endpoint endpoint(String app) {
        return endpoint(app, Instant.EPOCH, 100);
    }

    Endpoint endpoint(String app, Instant readySince, int weight) {
        return new Endpoint(name, "default", app, 1, "127.0.0.1", port(), readySince, weight);
    }

    private HttpResponse serve(ServiceRequestContext ctx, HttpRequest req) {
        hits.incrementAndGet();
        final String path = ctx.path();
        if (path.startsWith("/slow")) {
            final long ms = Long.parseLong(ctx.queryParam("ms"));
            return HttpResponse.delayed(HttpResponse.of(name + " slow"), Duration.ofMillis(ms));
        }
        if (path.startsWith("/status/")) {
            final int code = Integer.parseInt(path.substring("/status/".length()));
            return HttpResponse.of(HttpStatus.valueOf(code), MediaType.PLAIN_TEXT_UTF_8, name + " " + code);
        }
        if (path.equals("/upload")) {
            final java.util.concurrent.CompletableFuture<HttpResponse> f = new java.util.concurrent.CompletableFuture<>();
            req.subscribe(new org.reactivestreams.Subscriber<com.linecorp.armeria.common.HttpObject>() {
                long n;

                @Override
                public void onSubscribe(org.reactivestreams.Subscription s) {
                    s.request(Long.MAX_VALUE);
                }

                @Override
                public void onNext(com.linecorp.armeria.common.HttpObject o) {
                    if (o instanceof HttpData d) {
                        n += d.length();
                    }
                }

                @Override
                public void onError(Throwable t) {
                    f.completeExceptionally(t);
                }

                @Override
                public void onComplete() {
                    uploaded.set(n);
                    f.complete(HttpResponse.of(name + " " + n));
                }
            });
            return HttpResponse.of(f);
        }
        if (path.equals("/download")) {
            final long total = Long.parseLong(ctx.queryParam("bytes"));
            final HttpResponseWriter w = HttpResponse.streaming();
            w.write(ResponseHeaders.of(HttpStatus.OK));
            final byte[] chunk = new byte[64 * 1024];
            writeChunks(w, chunk, total);
            return w;
        }
        if (path.equals("/cookie")) {
            return HttpResponse.of(ResponseHeaders.builder(HttpStatus.OK)
                    .add("set-cookie", "JSESSIONID=" + name + "-" + hits.get() + "; Path=/").build(),
                    HttpData.ofUtf8(name));
        }
        final StringBuilder sb = new StringBuilder(name).append('\n').append(req.path()).append('\n');
        req.headers().forEach((k, v) -> {
            final String key = k.toString();
            if (key.startsWith("x-") || key.startsWith("trace") || key.equals("host") || key.equals(":authority") || key.equals("cookie")) {
                sb.append(key).append(": ").append(v).append('\n');
            }
        });
        return HttpResponse.of(HttpStatus.OK, MediaType.PLAIN_TEXT_UTF_8, sb.toString());
    }

    private static void writeChunks(HttpResponseWriter w, byte[] chunk, long left) {
        while (left > 0) {
            final int n = (int) Math.min(chunk.length, left);
            if (!w.tryWrite(HttpData.wrap(chunk, 0, n))) {
                return;
            }
            left -= n;
            if (left > 0) {
                final long rest = left;
                // back-pressure: continue when the client consumed what we wrote
                w.whenConsumed().thenRun(() -> writeChunks(w, chunk, rest));
                return;
            }
        }
        w.close();
    }

    @Override
    public void close() {
        server.stop(); // the port closes at once; Netty's 2 s quiet period runs in the background
        org.awaitility.Awaitility.await().until(() -> server.activePorts().isEmpty());
    }
}
