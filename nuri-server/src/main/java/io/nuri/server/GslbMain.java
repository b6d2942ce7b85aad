package io.nuri.server;

import com.fasterxml.jackson.databind.JsonNode;
import io.nuri.api.client.ServerLocation;
import io.nuri.api.codec.Json;
import io.nuri.api.codec.SpecError;
import io.nuri.api.codec.SpecException;
import io.nuri.gslb.Gslb;
import io.nuri.gslb.spec.GlobalService;
import io.nuri.gslb.spec.GlobalServiceDecoder;
import java.io.IOException;
import java.io.PrintStream;
import java.net.InetAddress;
import java.net.URI;
import java.net.UnknownHostException;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code nuri gslb}: runs the global load balancer (DNS and HTTP front ends over the sites of one
 * or more GlobalServices) in the foreground, and {@code nuri gslb status} asks a running one.
 * The running GSLB leaves {@code <data-dir>/gslb/server.json} (its status URL) and an
 * {@code admin.token} there, as the platform server does.
 */
@Command(name = "nuri gslb", mixinStandardHelpOptions = true, version = NuriServer.VERSION, sortOptions = false,
        description = "Run the GSLB: authoritative DNS and an HTTP front proxy spreading users across sites by health.",
        subcommands = GslbMain.Status.class)
public final class GslbMain implements Callable<Integer> {
    @Option(names = {"--config", "-f"}, paramLabel = "FILE", description = "GlobalService spec file (YAML, one or more documents).")
    Path config;

    @Option(names = "--bind", paramLabel = "ADDR", defaultValue = "127.0.0.1", description = "Address of the DNS and HTTP front ends (default: ${DEFAULT-VALUE}).")
    String bind;

    @Option(names = "--dns-port", paramLabel = "PORT", defaultValue = "8053", description = "DNS port (UDP and TCP), 0 for any free one, -1 for none (default: ${DEFAULT-VALUE}; 53 needs root or CAP_NET_BIND_SERVICE).")
    int dnsPort;

    @Option(names = "--http-port", paramLabel = "PORT", defaultValue = "8088", description = "HTTP front proxy port, 0 for any free one, -1 for none (default: ${DEFAULT-VALUE}).")
    int httpPort;

    @Option(names = "--status-port", paramLabel = "PORT", defaultValue = "0", description = "Status endpoint port on 127.0.0.1, behind the token (default: any free one).")
    int statusPort;

    @Option(names = "--ns-address", paramLabel = "ADDR", description = "Address published for ns1.<zone> (default: the bind address).")
    String nsAddress;

    @Option(names = "--data-dir", paramLabel = "DIR", description = "Where server.json and admin.token go (default: $NURI_HOME/gslb, else ~/.nuri/gslb).")
    Path dataDir;

    @Override
    public Integer call() throws Exception {
        if (config == null) {
            System.err.println("nuri gslb: --config FILE is required (a GlobalService spec); see ./nuri gslb --help");
            return 2;
        }
        List<GlobalService> services;
        try {
            services = GlobalServiceDecoder.decode(config.toString(), Files.readString(config));
        } catch (NoSuchFileException e) {
            System.err.println("nuri gslb: " + config + ": file not found");
            return 2;
        } catch (SpecException e) {
            for (SpecError err : e.errors()) {
                System.err.println("nuri gslb: " + err);
            }
            return 2;
        }
        InetAddress bindAddress;
        InetAddress ns;
        try {
            bindAddress = literal(bind, "--bind");
            ns = nsAddress == null ? null : literal(nsAddress, "--ns-address");
        } catch (IllegalArgumentException e) {
            System.err.println("nuri gslb: " + e.getMessage());
            return 2;
        }
        Path dir = dataDir != null ? dataDir.toAbsolutePath() : defaultDir(System.getenv());
        Files.createDirectories(dir);
        AdminToken.loadOrCreate(dir);
        String token = Files.readString(dir.resolve(AdminToken.FILE)).trim();
        Gslb gslb;
        try {
            gslb = Gslb.builder().services(services).bind(bindAddress).dnsPort(dnsPort).httpPort(httpPort)
                    .statusPort(statusPort).statusToken(token).nameServerAddress(ns).start();
        } catch (IOException | RuntimeException e) {
            System.err.println("nuri gslb: cannot start: " + e.getMessage());
            return 1;
        }
        Path stateFile = dir.resolve(ServerLocation.SERVER_FILE);
        writeState(stateFile, gslb);
        StopSignal stop = StopSignal.onTermOrInt("gslb-shutdown", () -> {
            try {
                Files.deleteIfExists(stateFile);
            } catch (IOException ignored) {
                // best effort: a stale file names a port nobody answers on
            }
            gslb.close();
        });
        System.out.println("Nuri GSLB is running for " + services.stream().map(GlobalService::name).toList() + ".");
        if (gslb.dnsPort() >= 0) {
            System.out.println("  DNS:    " + bind + " port " + gslb.dnsPort() + " (UDP and TCP)   try: dig @" + bind + " -p "
                    + gslb.dnsPort() + " " + services.get(0).hostnames().get(0));
        }
        if (gslb.httpPort() >= 0) {
            System.out.println("  HTTP:   http://" + hostPort(bind, gslb.httpPort()) + "/   (Host: " + services.get(0).hostnames().get(0) + ")");
        }
        System.out.println("  Status: ./nuri gslb status --data-dir " + dir);
        System.out.flush();
        stop.await();
        return 0;
    }

    static Path defaultDir(Map<String, String> env) {
        return ServerLocation.dataDir(null, env).resolve("gslb");
    }

    private static String hostPort(String host, int port) {
        return (host.indexOf(':') >= 0 ? "[" + host + "]" : host) + ":" + port;
    }

    private static InetAddress literal(String address, String flag) {
        try {
            byte[] bytes = org.xbill.DNS.Address.toByteArray(address, org.xbill.DNS.Address.IPv4);
            if (bytes == null) {
                bytes = org.xbill.DNS.Address.toByteArray(address, org.xbill.DNS.Address.IPv6);
            }
            if (bytes == null) {
                throw new IllegalArgumentException(flag + ": must be an IP address, got \"" + address + "\"");
            }
            return InetAddress.getByAddress(bytes);
        } catch (UnknownHostException e) {
            throw new IllegalArgumentException(flag + ": " + e.getMessage(), e);
        }
    }

    private static void writeState(Path file, Gslb gslb) throws IOException {
        Map<String, Object> state = new LinkedHashMap<>();
        state.put("url", "http://127.0.0.1:" + gslb.statusPort());
        state.put("dnsPort", gslb.dnsPort());
        state.put("httpPort", gslb.httpPort());
        state.put("pid", ProcessHandle.current().pid());
        Path tmp = Files.createTempFile(file.getParent(), ".server-", ".json");
        Files.writeString(tmp, Json.write(state) + "\n");
        Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    }

    /** {@code nuri gslb status}: sites, health, shares, answer counts and recent events. */
    @Command(name = "status", mixinStandardHelpOptions = true, description = "Show a running GSLB's sites, health and answer counts.")
    static final class Status implements Callable<Integer> {
        @Option(names = {"-o", "--output"}, paramLabel = "FORMAT", defaultValue = "table", description = "table or json.")
        String output;

        @Option(names = "--data-dir", paramLabel = "DIR", description = "The GSLB's data dir (default: $NURI_HOME/gslb, else ~/.nuri/gslb).")
        Path dataDir;

        @Option(names = "--url", paramLabel = "URL", description = "Status URL (default: from <data-dir>/server.json).")
        String url;

        @Option(names = "--token", paramLabel = "TOKEN", description = "Token (default: <data-dir>/admin.token).")
        String token;

        @Override
        public Integer call() throws Exception {
            if (!output.equals("table") && !output.equals("json")) {
                System.err.println("nuri gslb status: -o must be table or json, got " + output);
                return 2;
            }
            Path dir = dataDir != null ? dataDir.toAbsolutePath() : defaultDir(System.getenv());
            ServerLocation location;
            try {
                location = ServerLocation.resolve(url, token, dir.toString(), Map.of());
            } catch (ServerLocation.LocateException e) {
                System.err.println("nuri gslb status: " + e.getMessage().replace("./nuri server", "./nuri gslb"));
                return 3;
            }
            HttpResponse<String> res;
            try {
                res = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(3)).build().send(
                        HttpRequest.newBuilder(URI.create(location.url() + "/status"))
                                .header("Authorization", "Bearer " + location.token())
                                .timeout(Duration.ofSeconds(10)).build(),
                        HttpResponse.BodyHandlers.ofString());
            } catch (IOException e) {
                System.err.println("nuri gslb status: cannot reach " + location.url() + ": " + e.getMessage());
                return 3;
            }
            if (res.statusCode() != 200) {
                System.err.println("nuri gslb status: " + res.statusCode() + " " + res.body());
                return res.statusCode() == 401 ? 4 : 1;
            }
            if (output.equals("json")) {
                System.out.println(res.body());
            } else {
                print(Json.MAPPER.readTree(res.body()), System.out);
            }
            return 0;
        }

        static void print(JsonNode status, PrintStream out) {
            for (JsonNode s : status.path("services")) {
                out.printf("SERVICE %s  policy=%s  hostnames=%s  ttl=%ds  http-failovers=%d%n", s.path("name").asText(),
                        s.path("policy").asText(), s.path("hostnames"), s.path("ttlSeconds").asInt(),
                        s.path("httpFailovers").asLong());
                out.printf("  %-12s %-22s %-6s %-7s %-6s %-10s %-10s %s%n", "SITE", "ADDRESS", "WEIGHT", "SHARE", "STATE",
                        "DNS", "HTTP", "LAST CHECK");
                for (JsonNode site : s.path("sites")) {
                    out.printf("  %-12s %-22s %-6d %-7s %-6s %-10d %-10d %s%n", site.path("name").asText(),
                            site.path("address").asText() + ":" + site.path("port").asInt(), site.path("weight").asInt(),
                            Math.round(site.path("share").asDouble() * 100) + "%", site.path("up").asBoolean() ? "up" : "DOWN",
                            site.path("dnsAnswers").asLong(), site.path("httpRequests").asLong(), site.path("lastCheck").asText());
                }
            }
            JsonNode events = status.path("events");
            if (!events.isEmpty()) {
                out.println("EVENTS");
                for (JsonNode e : events) {
                    out.printf("  %s  %-8s %s%n", Instant.ofEpochMilli(e.path("time").asLong()), e.path("reason").asText(),
                            e.path("message").asText());
                }
            }
        }
    }
}
