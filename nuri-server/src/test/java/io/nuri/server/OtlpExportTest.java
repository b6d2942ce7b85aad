package io.nuri.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.linecorp.armeria.common.HttpMethod;
import com.linecorp.armeria.common.RequestHeaders;
import io.nuri.apm.ApmHub;
import io.nuri.gateway.RequestSample;
import java.net.ServerSocket;
import org.junit.jupiter.api.Test;

/** A collector that is down costs the gateway's event loop nothing but building and offering the span. */
class OtlpExportTest {
    @Test
    void aDownCollectorNeverBlocksTheCallerAndTheQueueDrops() throws Exception {
        int port;
        try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            port = s.getLocalPort(); // closed again: nothing listens there
        }
        RequestHeaders h = RequestHeaders.of(HttpMethod.GET, "/");
        try (OtlpExport export = new OtlpExport("http://127.0.0.1:" + port, new ApmHub())) {
            int n = 100_000; // far more than the queue holds
            RequestSample[] samples = new RequestSample[n];
            for (int i = 0; i < n; i++) {
                samples[i] = new RequestSample("default", "web", "default/web", "web-1", 1, "GET", "/a", 200, 0, System.currentTimeMillis() * 1000, 2_000_000, "127.0.0.1",
                        false, "/", 10, h, "4bf92f3577b34da6a3ce929d0e0e4736", String.format("%016x", i + 1), null, null);
            }
            for (int round = 0; round < 3; round++) {
                for (int i = 0; i < n / 2; i++) {
                    export.accept(samples[i]); // warm-up (JIT); fills the queue
                }
            }
            long t0 = System.nanoTime();
            for (int i = n / 2; i < n; i++) {
                export.accept(samples[i]);
            }
            long perRequestNanos = (System.nanoTime() - t0) / (n / 2);
            System.out.println("OtlpExport.accept with the collector down: " + perRequestNanos + " ns/request");
            // Generous for a shared 2-core machine; a blocking send would take milliseconds per request.
            assertThat(perRequestNanos).isLessThan(50_000);
        }
    }
}
