package io.nuri.server;

import com.fasterxml.jackson.databind.JsonNode;
import io.nuri.api.client.ServerLocation;
import io.nuri.api.codec.Json;
import io.nuri.api.model.RoutingTable;
import io.nuri.gateway.Gateway;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code nuri gateway}: a gateway in its own process, following a server's routing table
 * ({@code GET /api/v1/routing}, polled). Requests keep flowing on the last table it has when the
 * server is unreachable. It cannot report in-flight counts to the server, so instances it sends
 * to are drained by the server's minimum drain delay rather than by their real in-flight count.
 */
@Command(name = "nuri gateway", mixinStandardHelpOptions = true, version = NuriServer.VERSION,
        description = "Run a gateway in its own process, routing by a Nuri server's table.", sortOptions = false)
public final class GatewayMain implements Callable<Integer> {
    private static final Logger log = LoggerFactory.getLogger(GatewayMain.class);

    @Option(names = "--server", paramLabel = "URL", description = "The Nuri API (default: $NURI_SERVER, else <data-dir>/server.json).")
    String server;

    @Option(names = "--token", paramLabel = "TOKEN", description = "API token (default: $NURI_TOKEN, else <data-dir>/admin.token).")
    String token;

    @Option(names = "--data-dir", paramLabel = "DIR", description = "Where to find server.json and admin.token (default: $NURI_HOME, else ~/.nuri).")
    Path dataDir;

    @Option(names = "--host", paramLabel = "ADDR", defaultValue = "127.0.0.1", description = "Address to bind (default: ${DEFAULT-VALUE}).")
    String host;

    @Option(names = "--port", paramLabel = "PORT", defaultValue = "8000", description = "HTTP port (default: ${DEFAULT-VALUE}).")
    int port;

    @Option(names = "--poll", paramLabel = "MILLIS", defaultValue = "500", description = "How often to fetch the routing table (default: ${DEFAULT-VALUE} ms).")
    long pollMillis;

    @Override
    public Integer call() throws Exception {
        ServerLocation location;
        try {
            location = ServerLocation.resolve(server, token, dataDir == null ? null : dataDir.toString(), System.getenv());
        } catch (ServerLocation.LocateException e) {
            System.err.println("nuri gateway: " + e.getMessage());
            return 2;
        }
        String url = location.url();
        String bearer = location.token();
        if (bearer == null) {
            System.err.println("nuri gateway: no token: give --token, set NURI_TOKEN, or use the --data-dir of a running server");
            return 2;
        }
        Gateway gateway = Gateway.builder().http(new InetSocketAddress(host, port)).build();
        gateway.start();
        CountDownLatch stopped = new CountDownLatch(1);
        for (String signal : List.of("TERM", "INT")) {
            sun.misc.Signal.handle(new sun.misc.Signal(signal), s -> stopped.countDown());
        }
        System.out.println("Nuri gateway on http://" + host + ":" + gateway.port() + ", routing by " + url);
        try (HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(2)).build()) {
            HttpRequest request = HttpRequest.newBuilder(URI.create(url + "/api/v1/routing"))
                    .header("Authorization", "Bearer " + bearer).timeout(Duration.ofSeconds(5)).build();
            long lastVersion = -1;
            boolean reachable = true;
            while (!stopped.await(lastVersion < 0 ? 0 : pollMillis, java.util.concurrent.TimeUnit.MILLISECONDS)) {
                try {
                    HttpResponse<String> r = http.send(request, HttpResponse.BodyHandlers.ofString());
                    if (r.statusCode() != 200) {
                        throw new IllegalStateException("HTTP " + r.statusCode() + " from " + url);
                    }
                    JsonNode body = Json.MAPPER.readTree(r.body());
                    if (body.path("version").asLong() != lastVersion) {
                        RoutingTable table = Json.MAPPER.treeToValue(body, RoutingTable.class);
                        gateway.update(table);
                        lastVersion = table.version();
                    }
                    if (!reachable) {
                        log.info("server {} reachable again", url);
                        reachable = true;
                    }
                } catch (Exception e) {
                    if (reachable) {
                        log.warn("cannot fetch the routing table from {} ({}); serving with the last one", url, e.toString());
                        reachable = false;
                    }
                    lastVersion = Math.max(lastVersion, 0);
                }
            }
        } finally {
            gateway.close();
        }
        return 0;
    }
}
