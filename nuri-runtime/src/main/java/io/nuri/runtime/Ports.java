package io.nuri.runtime;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;

/** Free loopback ports for instances. */
public final class Ports {
    private Ports() {}

    /**
     * A port that was free a moment ago on 127.0.0.1. The usual small race (someone else takes it
     * before the instance binds) shows up as an instance that fails to start and is restarted.
     */
    public static int freeLocalPort() {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            s.setReuseAddress(true);
            return s.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException("no free port on 127.0.0.1", e);
        }
    }
}
