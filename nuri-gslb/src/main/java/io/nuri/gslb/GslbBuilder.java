package io.nuri.gslb;

import static java.util.Objects.requireNonNull;

import io.nuri.gslb.spec.GlobalService;
import java.io.IOException;
import java.net.InetAddress;
import java.util.List;
import java.util.function.LongSupplier;

/**
 * Builds and starts a {@link Gslb}. Everything listens on 127.0.0.1 unless told otherwise; a port
 * of 0 picks a free one, -1 turns that front end off.
 */
public final class GslbBuilder {
    List<GlobalService> services = List.of();
    InetAddress bind = InetAddress.getLoopbackAddress();
    InetAddress statusBind = InetAddress.getLoopbackAddress();
    InetAddress nameServerAddress;
    int dnsPort = 5353;
    int httpPort = 8080;
    int statusPort = 0;
    String statusToken;
    int connectTimeoutMillis = 1000;
    long maxBodyBytes = 64L << 20;
    LongSupplier clock = System::currentTimeMillis;
    java.util.function.Consumer<GslbEvent> eventListener = e -> {};

    GslbBuilder() {}

    public GslbBuilder services(List<GlobalService> services) {
        this.services = List.copyOf(services);
        return this;
    }

    /** The address the DNS and HTTP front ends bind (default 127.0.0.1). */
    public GslbBuilder bind(InetAddress bind) {
        this.bind = requireNonNull(bind, "bind");
        return this;
    }

    public GslbBuilder dnsPort(int port) {
        this.dnsPort = port;
        return this;
    }

    public GslbBuilder httpPort(int port) {
        this.httpPort = port;
        return this;
    }

    /** The status endpoint's port; it always binds loopback unless {@link #statusBind} says otherwise. */
    public GslbBuilder statusPort(int port) {
        this.statusPort = port;
        return this;
    }

    public GslbBuilder statusBind(InetAddress bind) {
        this.statusBind = requireNonNull(bind, "statusBind");
        return this;
    }

    /** Bearer token the status endpoint requires; null: none (tests only). */
    public GslbBuilder statusToken(String token) {
        this.statusToken = token;
        return this;
    }

    /** The address published for the zone's name server (ns1.ZONE); default: the bind address. */
    public GslbBuilder nameServerAddress(InetAddress address) {
        this.nameServerAddress = address;
        return this;
    }

    /** How long the HTTP proxy and the health checks wait for a site's TCP connect (default 1000 ms). */
    public GslbBuilder connectTimeoutMillis(int millis) {
        this.connectTimeoutMillis = millis;
        return this;
    }

    public GslbBuilder maxBodyBytes(long bytes) {
        this.maxBodyBytes = bytes;
        return this;
    }

    /** Called for every SiteDown/SiteUp event (on a client thread; must not block for long). */
    public GslbBuilder eventListener(java.util.function.Consumer<GslbEvent> listener) {
        this.eventListener = requireNonNull(listener, "listener");
        return this;
    }

    GslbBuilder clock(LongSupplier clock) {
        this.clock = requireNonNull(clock, "clock");
        return this;
    }

    /** Binds every front end and starts checking the sites. */
    public Gslb start() throws IOException {
        if (services.isEmpty()) {
            throw new IllegalStateException("no GlobalService to serve");
        }
        Gslb g = new Gslb(this);
        g.start(this);
        return g;
    }
}
