package io.nuri.server;

import ch.qos.logback.classic.Level;
import io.nuri.api.codec.SpecException;
import io.nuri.control.AppService;
import io.nuri.kubernetes.RouteKind;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.function.Supplier;
import java.util.stream.Stream;
import org.slf4j.LoggerFactory;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code nuri server}: runs the platform in the foreground until SIGTERM or SIGINT, then stops
 * every instance within its grace period and exits 0.
 */
@Command(name = "nuri server", mixinStandardHelpOptions = true, version = NuriServer.VERSION,
        description = "Run the Nuri platform (API server, controllers, instances) in the foreground.",
        sortOptions = false)
public final class ServerMain implements Callable<Integer> {
    @Option(names = "--data-dir", paramLabel = "DIR", description = "State, logs and token (default: $NURI_HOME, else ~/.nuri).")
    Path dataDir;

    @Option(names = "--config", paramLabel = "FILE", description = "YAML settings file (default: $NURI_CONFIG, else <data-dir>/config.yaml if present).")
    Path config;

    @Option(names = "--api-host", paramLabel = "ADDR", description = "Address the API binds (default: 127.0.0.1; $NURI_API_HOST).")
    String apiHost;

    @Option(names = "--api-port", paramLabel = "PORT", description = "API port, 0 for any free one (default: 7070; $NURI_API_PORT).")
    Integer apiPort;

    @Option(names = "--gateway-host", paramLabel = "ADDR", description = "Address the gateway binds (default: 127.0.0.1; $NURI_GATEWAY_HOST).")
    String gatewayHost;

    @Option(names = "--gateway-port", paramLabel = "PORT", description = "Gateway HTTP port, 0 for any free one, -1 for no gateway (default: 8000; $NURI_GATEWAY_PORT).")
    Integer gatewayPort;

    @Option(names = "--gateway-https-port", paramLabel = "PORT", description = "Gateway HTTPS port, 0 for any free one (default with a certificate: 8443; $NURI_GATEWAY_HTTPS_PORT).")
    Integer gatewayHttpsPort;

    @Option(names = "--gateway-cert", paramLabel = "HOST=CERT,KEY", description = "A certificate for HOST (exact, *.domain, or * for the default) from PEM files (repeatable; reloaded when they change).")
    List<String> gatewayCerts = new ArrayList<>();

    @Option(names = "--gateway-self-signed", description = "Serve HTTPS with a self-signed certificate for localhost (kept in <data-dir>/tls).")
    boolean gatewaySelfSigned;

    @Option(names = "--gateway-https-redirect", description = "Answer plain HTTP with a 308 redirect to HTTPS.")
    boolean gatewayHttpsRedirect;

    @Option(names = "--gateway-max-body-mib", paramLabel = "MIB", description = "Request bodies larger than this get 413; 0 = no limit (default: 64; $NURI_GATEWAY_MAX_BODY_MIB).")
    Integer gatewayMaxBodyMiB;

    @Option(names = "--gateway-max-header-kib", paramLabel = "KIB", description = "Request headers larger than this get 431 (default: 16; $NURI_GATEWAY_MAX_HEADER_KIB).")
    Integer gatewayMaxHeaderKiB;

    @Option(names = "--gateway-event-loops", paramLabel = "N", description = "Gateway event-loop threads; 0 = one per core (default: 0; $NURI_GATEWAY_EVENT_LOOPS).")
    Integer gatewayEventLoops;

    @Option(names = "--metrics-port", paramLabel = "PORT", description = "Also serve /metrics (Prometheus) without the token on this port of the API host; 0 for any free one (default: none; $NURI_METRICS_PORT).")
    Integer metricsPort;

    @Option(names = "--otlp-endpoint", paramLabel = "URL", description = "Export gateway spans and APM metrics over OTLP/HTTP to this collector, e.g. http://127.0.0.1:4318 (default: none; $NURI_OTLP_ENDPOINT).")
    String otlpEndpoint;

    @Option(names = "--access-log-max-mib", paramLabel = "MIB", description = "The gateway's access log of an app rotates when larger than this (default: 10; $NURI_ACCESS_LOG_MAX_MIB).")
    Integer accessLogMaxMiB;

    @Option(names = "--access-log-files", paramLabel = "N", description = "Rotated access-log files kept per app, access.log.1 .. .N (default: 3; $NURI_ACCESS_LOG_FILES).")
    Integer accessLogFiles;

    @Option(names = "--stop-grace", paramLabel = "SECONDS", description = "Time between SIGTERM and SIGKILL when stopping an instance (default: 10; $NURI_STOP_GRACE_SECONDS).")
    Integer stopGraceSeconds;

    @Option(names = "--log-level", paramLabel = "LEVEL", description = "trace, debug, info, warn or error (default: info; $NURI_LOG_LEVEL).")
    String logLevel;

    @Option(names = "--driver", paramLabel = "DRIVER", defaultValue = "process", description = "process (instances on this machine) or kubernetes (apps kept on a cluster; docs/kubernetes.md). Default: ${DEFAULT-VALUE}.")
    String driver;

    @Option(names = "--kubeconfig", paramLabel = "FILE", description = "With --driver kubernetes: the kubeconfig (default: $KUBECONFIG, ~/.kube/config or in-cluster).")
    Path kubeconfig;

    @Option(names = "--k8s-namespace", paramLabel = "NS", description = "With --driver kubernetes: put every app in this namespace (default: the app's own).")
    String k8sNamespace;

    @Option(names = "--k8s-routes", paramLabel = "KIND", defaultValue = "ingress", description = "With --driver kubernetes: ingress, httproute or openshift (default: ${DEFAULT-VALUE}).")
    String k8sRoutes;

    @Option(names = "--k8s-image-registry", paramLabel = "REGISTRY", description = "With --driver kubernetes: where jar apps' images are (default: registry.local/nuri).")
    String k8sImageRegistry;

    @Option(names = "--gslb-config", paramLabel = "FILE", description = "Also run the GSLB for these GlobalServices (docs/gslb.md); its site events go to the platform's event log.")
    Path gslbConfig;

    @Option(names = "--gslb-dns-port", paramLabel = "PORT", defaultValue = "8053", description = "With --gslb-config: DNS port on the API host (default: ${DEFAULT-VALUE}; -1 none).")
    int gslbDnsPort;

    @Option(names = "--gslb-http-port", paramLabel = "PORT", defaultValue = "8088", description = "With --gslb-config: HTTP front proxy port on the API host (default: ${DEFAULT-VALUE}; -1 none).")
    int gslbHttpPort;

    @Option(names = {"--apply", "-f"}, paramLabel = "FILE", description = "Spec file or folder to apply once the server is up (repeatable).")
    List<Path> apply = new ArrayList<>();

    /**
     * Server-side commands besides {@code server} itself: the launcher runs these on the server
     * classpath and passes the word first. One line per command; the CLI never sees them.
     */
    private static final Map<String, Supplier<Object>> SUBCOMMANDS = Map.of(
            "gateway", GatewayMain::new,
            "gslb", GslbMain::new,
            "demo", DemoMain::new,
            "export", ExportMain::new,
            "operator", OperatorMain::new);

    public static void main(String[] args) {
        Supplier<Object> sub = args.length > 0 ? SUBCOMMANDS.get(args[0]) : null;
        int code = sub != null
                ? new CommandLine(sub.get()).execute(Arrays.copyOfRange(args, 1, args.length))
                : new CommandLine(new ServerMain()).execute(args);
        if (code != 0) {
            System.exit(code);
        }
    }

    @Override
    public Integer call() throws Exception {
        ServerSettings settings;
        try {
            settings = SettingsLoader.load(flags(), System.getenv());
        } catch (SettingsLoader.SettingsException e) {
            System.err.println("nuri server: " + e.getMessage().replace("\n", "\nnuri server: "));
            return 2;
        }
        ((ch.qos.logback.classic.Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME))
                .setLevel(Level.toLevel(settings.logLevel(), Level.INFO));
        java.util.List<io.nuri.gslb.spec.GlobalService> globalServices = null;
        if (gslbConfig != null) {
            try {
                globalServices = io.nuri.gslb.spec.GlobalServiceDecoder.decode(gslbConfig.toString(), Files.readString(gslbConfig));
            } catch (java.nio.file.NoSuchFileException e) {
                System.err.println("nuri server: --gslb-config " + gslbConfig + ": file not found");
                return 2;
            } catch (SpecException e) {
                e.errors().forEach(err -> System.err.println("nuri server: " + err));
                return 2;
            }
        }
        KubernetesTarget kubernetes = null;
        if (driver.equals("kubernetes")) {
            RouteKind routes = OperatorMain.routeKind(k8sRoutes);
            if (routes == null) {
                System.err.println("nuri server: --k8s-routes must be ingress, httproute or openshift, got " + k8sRoutes);
                return 2;
            }
            kubernetes = new KubernetesTarget(kubeconfig, k8sNamespace, routes, k8sImageRegistry);
        } else if (!driver.equals("process")) {
            System.err.println("nuri server: --driver must be process or kubernetes, got " + driver);
            return 2;
        }
        NuriServer server;
        try {
            server = NuriServer.start(settings, kubernetes);
        } catch (IllegalStateException | IllegalArgumentException e) { // a second server; bad TLS files
            System.err.println("nuri server: " + e.getMessage());
            return 1;
        } catch (java.io.IOException | java.util.concurrent.CompletionException e) {
            System.err.println("nuri server: cannot start: " + e.getMessage());
            return 1;
        }
        if (globalServices != null) {
            try {
                io.nuri.gslb.Gslb gslb = io.nuri.gslb.Gslb.builder().services(globalServices)
                        .bind(java.net.InetAddress.getByName(settings.apiHost()))
                        .dnsPort(gslbDnsPort).httpPort(gslbHttpPort).statusPort(-1)
                        .eventListener(e -> server.recordEvent(e.reason().equals("SiteDown")
                                ? io.nuri.api.model.Event.warning("gslb", e.service(), null, e.reason(), e.message())
                                : io.nuri.api.model.Event.normal("gslb", e.service(), null, e.reason(), e.message())))
                        .start();
                server.stopWith(gslb);
                System.out.println("  GSLB:   DNS " + settings.apiHost() + ":" + gslb.dnsPort() + ", HTTP " + settings.apiHost() + ":"
                        + gslb.httpPort() + " for " + globalServices.stream().map(io.nuri.gslb.spec.GlobalService::name).toList()
                        + " (events: ./nuri events -n gslb)");
            } catch (java.io.IOException | RuntimeException e) {
                System.err.println("nuri server: cannot start the GSLB: " + e.getMessage());
                server.close();
                return 1;
            }
        }
        StopSignal stop = StopSignal.onTermOrInt("nuri-shutdown", server::close);
        System.out.println("Nuri " + NuriServer.VERSION + " is running.");
        System.out.println("  API:    " + server.apiUrl() + "  (token: " + settings.dataDir().resolve(AdminToken.FILE) + ")");
        server.gatewayUrl().ifPresent(url -> System.out.println("  Gateway: " + url + "  (routes from each app's spec.routes)"));
        server.gatewayHttpsUrl().ifPresent(url -> System.out.println("  HTTPS:  " + url));
        server.metricsUrl().ifPresent(url -> System.out.println("  Metrics: " + url + "  (no token)"));
        System.out.println("  Data:   " + settings.dataDir());
        applyAtStart(server, settings.apply());
        server.announce();
        System.out.println("  Try:    NURI_HOME=" + settings.dataDir() + " ./nuri get instances   (Ctrl-C stops Nuri and its instances)");
        System.out.flush();
        stop.await();
        return 0;
    }

    /** The settings given as flags; the rest comes from the environment, the config file or the defaults. */
    SettingsLoader.Flags flags() {
        return SettingsLoader.Flags.builder().dataDir(dataDir).config(config)
                .apiHost(apiHost).apiPort(apiPort).gatewayHost(gatewayHost).gatewayPort(gatewayPort)
                .httpsPort(gatewayHttpsPort).certs(gatewayCerts).selfSigned(gatewaySelfSigned)
                .httpsRedirect(gatewayHttpsRedirect).maxBodyMiB(gatewayMaxBodyMiB).maxHeaderKiB(gatewayMaxHeaderKiB)
                .eventLoops(gatewayEventLoops).stopGraceSeconds(stopGraceSeconds).logLevel(logLevel).apply(apply)
                .metricsPort(metricsPort).otlpEndpoint(otlpEndpoint)
                .accessLogMaxMiB(accessLogMaxMiB).accessLogFiles(accessLogFiles).build();
    }

    private static void applyAtStart(NuriServer server, List<Path> paths) throws java.io.IOException {
        for (Path path : paths) {
            List<Path> files;
            if (Files.isDirectory(path)) {
                try (Stream<Path> s = Files.list(path)) {
                    files = s.filter(p -> p.toString().matches(".*\\.(ya?ml|json)$")).sorted().toList();
                }
            } else {
                files = List.of(path);
            }
            for (Path file : files) {
                try {
                    Path abs = file.toAbsolutePath().normalize();
                    for (AppService.ApplyResult r : server.apps().apply(file.toString(), Files.readString(abs),
                            abs.getParent(), false)) {
                        System.out.println("  Applied: app/" + r.name() + " " + r.action() + " (namespace " + r.namespace()
                                + ", revision " + r.revision() + ")");
                    }
                } catch (SpecException e) {
                    e.errors().forEach(err -> System.err.println("nuri server: " + err));
                } catch (java.nio.file.NoSuchFileException e) {
                    System.err.println("nuri server: " + file + ": no such file");
                }
            }
        }
    }
}
