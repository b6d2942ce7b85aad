package io.nuri.server;

import io.nuri.gslb.Gslb;
import io.nuri.gslb.GslbStatus;
import io.nuri.gslb.spec.GlobalServiceDecoder;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code nuri demo}: scripted demonstrations of the platform on one machine. */
@Command(name = "nuri demo", mixinStandardHelpOptions = true, version = NuriServer.VERSION,
        description = "Demonstrations on one machine.", subcommands = DemoMain.Hybrid.class)
public final class DemoMain implements Runnable {
    @Override
    public void run() {
        new CommandLine(this).usage(System.out);
    }

    /**
     * The seed's hybrid-cloud demo: a "private" and a "public" site (two Nuri servers on 127.0.0.2
     * and 127.0.0.3, each running the sample portal), the GSLB in front at 30/70 and a steady
     * load; then the private site fails (its server is killed with SIGKILL), every user lands on
     * the public site, and the private site comes back (restarted, it re-adopts its instances).
     * Everything it started is stopped when it ends, also on Ctrl-C.
     */
    @Command(name = "hybrid", mixinStandardHelpOptions = true, sortOptions = false,
            description = "Two sites (127.0.0.2 private, 127.0.0.3 public) behind the GSLB at 30/70; fail one, watch traffic move, bring it back.")
    static final class Hybrid implements Callable<Integer> {
        @Option(names = "--script", description = "Run the failure and recovery on a timer instead of waiting for Enter.")
        boolean script;

        @Option(names = "--phase-seconds", paramLabel = "S", defaultValue = "10", description = "Length of each scripted phase (default: ${DEFAULT-VALUE}).")
        int phaseSeconds;

        @Option(names = "--dir", paramLabel = "DIR", description = "Where the two sites keep their data and logs (default: a new temporary folder).")
        Path dir;

        @Option(names = "--spec", paramLabel = "FILE", description = "The App both sites run (default: examples/portal.yaml).")
        Path spec;

        @Option(names = "--gateway-port", paramLabel = "PORT", defaultValue = "8080", description = "Each site's gateway port (default: ${DEFAULT-VALUE}).")
        int gatewayPort;

        @Option(names = "--dns-port", paramLabel = "PORT", defaultValue = "8053", description = "GSLB DNS port on 127.0.0.1 (default: ${DEFAULT-VALUE}).")
        int dnsPort;

        @Option(names = "--http-port", paramLabel = "PORT", defaultValue = "8088", description = "GSLB HTTP port on 127.0.0.1 (default: ${DEFAULT-VALUE}).")
        int httpPort;

        @Option(names = "--clients", paramLabel = "N", defaultValue = "4", description = "Concurrent load clients (default: ${DEFAULT-VALUE}); each sends at most 20 requests/s.")
        int clients;

        private final List<Site> sites = new ArrayList<>();
        private final AtomicBoolean stopping = new AtomicBoolean();
        private Gslb gslb;

        @Override
        public Integer call() throws Exception {
            Path specFile = spec != null ? spec : Path.of(System.getProperty("nuri.home", "."), "examples", "portal.yaml");
            if (!Files.isRegularFile(specFile)) {
                System.err.println("nuri demo hybrid: " + specFile + ": file not found (give --spec FILE)");
                return 2;
            }
            Path root = dir != null ? dir.toAbsolutePath() : Files.createTempDirectory("nuri-hybrid-");
            Thread cleanup = new Thread(this::stopAll, "demo-cleanup");
            Runtime.getRuntime().addShutdownHook(cleanup);
            try {
                sites.add(new Site("private", "127.0.0.2", root.resolve("private")));
                sites.add(new Site("public", "127.0.0.3", root.resolve("public")));
                for (Site s : sites) {
                    s.start(specFile.toAbsolutePath(), gatewayPort);
                }
                say("starting two sites (logs in " + root + ") ...");
                for (Site s : sites) {
                    s.awaitServing(gatewayPort, Duration.ofSeconds(120));
                    say("  " + s.name + " site: gateway http://" + s.address + ":" + gatewayPort + "/  API http://" + s.address
                            + ":7070 (NURI_HOME=" + s.dataDir + " ./nuri get apps)");
                }
                gslb = Gslb.builder()
                        .services(GlobalServiceDecoder.decode("hybrid", gslbSpec(gatewayPort)))
                        .dnsPort(dnsPort).httpPort(httpPort).statusPort(-1).start();
                say("GSLB: DNS 127.0.0.1:" + gslb.dnsPort() + " (dig @127.0.0.1 -p " + gslb.dnsPort()
                        + " portal.egov.test), HTTP http://127.0.0.1:" + gslb.httpPort() + "/ ; weights private 30 / public 70");
                Load load = new Load(gslb.httpPort(), clients);
                load.start();
                Reporter reporter = new Reporter(load);
                reporter.start();
                pause("Press Enter to fail the private site (SIGKILL of its server)", phaseSeconds);
                long killedAt = System.nanoTime();
                sites.get(0).kill();
                say(">>> private site killed");
                reporter.markFailure(killedAt);
                pause("Press Enter to bring the private site back", phaseSeconds);
                sites.get(0).start(specFile.toAbsolutePath(), gatewayPort);
                sites.get(0).awaitServing(gatewayPort, Duration.ofSeconds(120));
                say(">>> private site is back (its server re-adopted the instances)");
                reporter.markRecovery(System.nanoTime());
                pause("Press Enter to stop the demo", phaseSeconds + 5);
                load.stop();
                reporter.stop();
                say(String.format("done: %d requests, %d failed; failover took %s, failback %s", load.ok.get() + load.failed.get(),
                        load.failed.get(), reporter.failoverText(), reporter.failbackText()));
                return load.failed.get() == 0 ? 0 : 1;
            } finally {
                stopAll();
                try {
                    Runtime.getRuntime().removeShutdownHook(cleanup);
                } catch (IllegalStateException ignored) {
                    // already shutting down
                }
            }
        }

        private void pause(String prompt, int seconds) throws IOException, InterruptedException {
            if (script) {
                Thread.sleep(seconds * 1000L);
                return;
            }
            say(prompt);
            new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8)).readLine();
        }

        private static String gslbSpec(int port) {
            return """
                    apiVersion: nuri.io/v1
                    kind: GlobalService
                    metadata: {name: portal}
                    spec:
                      hostnames: [portal.egov.test]
                      ttlSeconds: 5
                      policy: weighted
                      sites:
                        - {name: private, address: 127.0.0.2, port: %d, weight: 30, healthCheck: {path: /health}}
                        - {name: public, address: 127.0.0.3, port: %d, weight: 70, healthCheck: {path: /health}}
                    """.formatted(port, port);
        }

        private void stopAll() {
            if (!stopping.compareAndSet(false, true)) {
                return;
            }
            if (gslb != null) {
                gslb.close();
            }
            for (Site s : sites) {
                s.stop();
            }
        }

        static void say(String line) {
            System.out.println(line);
            System.out.flush();
        }

        /** One site: a Nuri server in a child process, bound to its own loopback address. */
        static final class Site {
            final String name;
            final String address;
            final Path dataDir;
            private Process process;
            private Path spec;
            private int gatewayPort;
            private boolean killed;

            Site(String name, String address, Path dataDir) {
                this.name = name;
                this.address = address;
                this.dataDir = dataDir;
            }

            void start(Path spec, int gatewayPort) throws IOException {
                this.spec = spec;
                this.gatewayPort = gatewayPort;
                this.killed = false;
                Files.createDirectories(dataDir);
                Files.deleteIfExists(dataDir.resolve(io.nuri.api.client.ServerLocation.SERVER_FILE));
                List<String> cmd = List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                        "--enable-native-access=ALL-UNNAMED", "-Xmx256m", "-XX:+UseSerialGC",
                        "-cp", System.getProperty("java.class.path"), ServerMain.class.getName(),
                        "--data-dir", dataDir.toString(), "--api-host", address, "--api-port", "7070",
                        "--gateway-host", address, "--gateway-port", String.valueOf(gatewayPort), "--apply", spec.toString());
                ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true)
                        .redirectOutput(ProcessBuilder.Redirect.appendTo(dataDir.resolveSibling(name + ".log").toFile()));
                pb.environment().remove("NURI_HOME");
                process = pb.start();
            }

            void awaitServing(int gatewayPort, Duration timeout) throws InterruptedException {
                HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(1)).build();
                long deadline = System.nanoTime() + timeout.toNanos();
                while (System.nanoTime() < deadline) {
                    if (!process.isAlive()) {
                        throw new IllegalStateException(name + " site's server exited with " + process.exitValue()
                                + "; see " + dataDir.resolveSibling(name + ".log"));
                    }
                    try {
                        HttpResponse<Void> r = http.send(HttpRequest.newBuilder(
                                URI.create("http://" + address + ":" + gatewayPort + "/health")).timeout(Duration.ofSeconds(2)).build(),
                                HttpResponse.BodyHandlers.discarding());
                        if (r.statusCode() == 200) {
                            return;
                        }
                    } catch (IOException e) {
                        // not up yet
                    }
                    Thread.sleep(250);
                }
                throw new IllegalStateException(name + " site did not serve the portal within " + timeout.toSeconds() + " s");
            }

            void kill() throws InterruptedException {
                killed = true;
                process.destroyForcibly();
                process.waitFor(10, TimeUnit.SECONDS);
            }

            /** SIGTERM: the server stops its instances within their grace period, then exits. */
            void stop() {
                if (process == null) {
                    return;
                }
                if (!process.isAlive()) {
                    if (!killed) {
                        return;
                    }
                    // Killed by the demo: its instances outlived it. A restart re-adopts them, and
                    // the orderly stop below stops them (once server.json says it is up).
                    try {
                        start(spec, gatewayPort);
                        Path ready = dataDir.resolve(io.nuri.api.client.ServerLocation.SERVER_FILE);
                        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
                        while (!Files.exists(ready) && process.isAlive() && System.nanoTime() < deadline) {
                            Thread.sleep(200);
                        }
                    } catch (IOException | InterruptedException e) {
                        say("cannot restart the " + name + " site to stop its instances: " + e
                                + "; they keep running (pids in " + dataDir + ")");
                        return;
                    }
                }
                process.destroy();
                try {
                    if (!process.waitFor(40, TimeUnit.SECONDS)) {
                        process.destroyForcibly();
                    }
                } catch (InterruptedException e) {
                    process.destroyForcibly();
                    Thread.currentThread().interrupt();
                }
            }
        }

        /** Closed-loop clients against the GSLB's HTTP front end, each at most 20 requests/s; loopback only. */
        static final class Load {
            final AtomicLong ok = new AtomicLong();
            final AtomicLong failed = new AtomicLong();
            private final int port;
            private final int clients;
            private volatile boolean running = true;
            private final List<Thread> threads = new ArrayList<>();

            Load(int port, int clients) {
                this.port = port;
                this.clients = clients;
            }

            void start() {
                HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(2)).build();
                long deadline = System.nanoTime() + Duration.ofMinutes(30).toNanos(); // bounded even if nobody presses Enter
                for (int i = 0; i < clients; i++) {
                    threads.add(Thread.ofVirtual().start(() -> {
                        while (running && System.nanoTime() < deadline) {
                            try {
                                HttpResponse<Void> r = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/"))
                                        .timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.discarding());
                                (r.statusCode() < 500 ? ok : failed).incrementAndGet();
                            } catch (IOException e) {
                                failed.incrementAndGet();
                            } catch (InterruptedException e) {
                                return;
                            }
                            try {
                                Thread.sleep(50);
                            } catch (InterruptedException e) {
                                return;
                            }
                        }
                    }));
                }
            }

            void stop() throws InterruptedException {
                running = false;
                for (Thread t : threads) {
                    t.join(15_000);
                }
            }
        }

        /** Prints, each second, where the requests went, and times the failover and the failback. */
        final class Reporter {
            private final Load load;
            private Thread thread;
            private volatile long failedAt;
            private volatile long recoveredAt;
            private volatile long failoverNanos = -1;
            private volatile long failbackNanos = -1;

            Reporter(Load load) {
                this.load = load;
            }

            void markFailure(long at) {
                failedAt = at;
            }

            void markRecovery(long at) {
                recoveredAt = at;
            }

            void start() {
                thread = Thread.ofPlatform().daemon().name("demo-report").start(() -> {
                    long[] last = counts();
                    long lastFailed = 0;
                    for (int t = 1; !Thread.currentThread().isInterrupted(); t++) {
                        try {
                            Thread.sleep(1000);
                        } catch (InterruptedException e) {
                            return;
                        }
                        long[] now = counts();
                        long p = now[0] - last[0];
                        long q = now[1] - last[1];
                        long f = load.failed.get() - lastFailed;
                        GslbStatus st = gslb.status();
                        boolean privateUp = st.services().get(0).sites().get(0).up();
                        if (failedAt != 0 && failoverNanos < 0 && p == 0 && !privateUp) {
                            failoverNanos = System.nanoTime() - failedAt;
                        }
                        if (recoveredAt != 0 && failbackNanos < 0 && p > 0) {
                            failbackNanos = System.nanoTime() - recoveredAt;
                        }
                        say(String.format("t=%3ds  private %4d req/s (%s)  public %4d req/s  failed %d", t, p,
                                privateUp ? "up" : "DOWN", q, f));
                        last = now;
                        lastFailed = load.failed.get();
                    }
                });
            }

            private long[] counts() {
                GslbStatus st = gslb.status();
                return new long[] {st.services().get(0).sites().get(0).httpRequests(),
                        st.services().get(0).sites().get(1).httpRequests()};
            }

            void stop() {
                thread.interrupt();
            }

            String failoverText() {
                return failoverNanos < 0 ? "n/a" : String.format("%.1f s (until no request went to it)", failoverNanos / 1e9);
            }

            String failbackText() {
                return failbackNanos < 0 ? "n/a" : String.format("%.1f s", failbackNanos / 1e9);
            }
        }
    }
}
