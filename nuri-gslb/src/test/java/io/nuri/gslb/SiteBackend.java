package io.nuri.gslb;

import com.linecorp.armeria.common.HttpResponse;
import com.linecorp.armeria.common.HttpStatus;
import com.linecorp.armeria.server.Server;
import java.net.InetSocketAddress;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A stand-in for one site's gateway on its own loopback address: answers {@code /health} with 200
 * or 503 (as a Nuri gateway does when the app has ready instances or none) and every other path
 * with the site's name. Real sockets; {@link #stop()} closes the listener like a dead site.
 */
final class SiteBackend implements AutoCloseable {
    final String name;
    final String address;
    final AtomicBoolean healthy = new AtomicBoolean(true);
    final AtomicInteger requests = new AtomicInteger();
    private final Server server;

    SiteBackend(String name, String address) {
        this(name, address, 0);
    }

    SiteBackend(String name, String address, int port) {
        this.name = name;
        this.address = address;
        this.server = Server.builder()
                .http(new InetSocketAddress(address, port))
                .service("/health", (ctx, req) -> HttpResponse.of(healthy.get() ? HttpStatus.OK : HttpStatus.SERVICE_UNAVAILABLE))
                .serviceUnder("/", (ctx, req) -> {
                    requests.incrementAndGet();
                    return HttpResponse.of(name);
                })
                .build();
        server.start().join();
    }

    int port() {
        return server.activeLocalPort();
    }

    void stop() {
        server.stop().join();
    }

    @Override
    public void close() {
        server.close();
    }
}
