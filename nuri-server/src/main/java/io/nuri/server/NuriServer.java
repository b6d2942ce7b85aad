package io.nuri.server;

import com.linecorp.armeria.common.HttpResponse;
import com.linecorp.armeria.common.HttpStatus;
import com.linecorp.armeria.common.MediaType;
import com.linecorp.armeria.server.Server;
import io.nuri.api.codec.Json;
import io.nuri.control.AppController;
import io.nuri.control.AppService;
import io.nuri.control.ArtifactStore;
import io.nuri.control.ControllerSettings;
import io.nuri.control.EndpointRegistry;
import io.nuri.control.CanaryMetrics;
import io.nuri.control.InflightSource;
import io.nuri.control.autoscale.Autoscaler;
import io.nuri.gateway.Gateway;
import io.nuri.gateway.GatewayBuilder;
import io.nuri.gateway.OffLoopListener;
import io.nuri.gateway.tls.TlsOptions;
import io.nuri.gateway.tls.TlsSetup;
import io.nuri.runtime.Driver;
import io.nuri.runtime.Prober;
import io.nuri.store.Store;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One platform process: store, driver, prober, controllers and the API server, started in that
 * order and stopped in the reverse one. {@link #close} stops every instance within its grace.
 */
public final class NuriServer implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(NuriServer.class);
    public static final String VERSION = "0.1.0";
    static final String SERVER_FILE = "server.json";

    private final ServerSettings settings;
    private final Deque<AutoCloseable> stopOrder; // first to stop first
    private final AppService appService;
    private final Server api;
    private final Gateway gateway; // null when turned off
    private Server metricsServer; // --metrics-port: /metrics without the token; null when not asked for
    private final Store store;
    private final AtomicBoolean closed = new AtomicBoolean();

    private NuriServer(ServerSettings settings, Deque<AutoCloseable> stopOrder, AppService appService, Server api,
            Gateway gateway,
            Store store) {
        this.settings = settings;
        this.stopOrder = stopOrder;
        this.appService = appService;
        this.api = api;
        this.gateway = gateway;
        this.store = store;
    }

    /** Starts everything; on failure stops what already started and rethrows. */
    public static NuriServer start(ServerSettings settings) throws Exception {
        return start(settings, null);
    }

    /**
     * @param kubernetes where apps run when the driver is {@code kubernetes}; null: processes on
     *     this machine (the process driver)
     */
    public static NuriServer start(ServerSettings settings, KubernetesTarget kubernetes) throws Exception {
        Path dataDir = settings.dataDir();
        createPrivateDir(dataDir);
        // Pushed as each part starts, so the stack pops in the reverse order: the API first, the
        // store last. The lock goes last of all: no second server on this data dir until we are gone.
        Deque<AutoCloseable> stopOrder = new ArrayDeque<>();
        try {
            stopOrder.push(lockDataDir(dataDir));
            AdminToken token = AdminToken.loadOrCreate(dataDir);
            Clock clock = Clock.systemUTC();
            Store store = push(stopOrder, Runtimes.openStore(dataDir));
            EndpointRegistry registry = push(stopOrder, new EndpointRegistry(store));
            LogSource logs;
            String driverName;
            java.util.function.BooleanSupplier ready;
            InstanceApi.Restarter restarter;
            io.nuri.apm.ApmHub apm = new io.nuri.apm.ApmHub();
            io.nuri.apm.ServiceMap serviceMap = new io.nuri.apm.ServiceMap();
            OtlpExport otlp = settings.otlpEndpoint() == null ? null : push(stopOrder, new OtlpExport(settings.otlpEndpoint(), apm));
            Driver usageDriver = null;
            Gateway gateway = null;
            Autoscaler autoscaler = null;
            InflightSource inflightForAlerts = InflightSource.NONE;
            PrometheusMetrics metrics;
            AccessLog accessLog = null;
            if (kubernetes != null) {
                // On a cluster the cluster's ingress routes and its kubelets run the pods: no local gateway.
                KubernetesBackend backend = push(stopOrder, kubernetes.backend(store, clock));
                registry.start();
                backend.start();
                logs = backend.logSource();
                driverName = "kubernetes";
                ready = backend::isRunning;
                restarter = backend::restartInstance;
                metrics = new PrometheusMetrics(store, apm, null, System::currentTimeMillis);
            } else {
                Driver driver = push(stopOrder, Runtimes.processDriver(dataDir));
                Prober prober = push(stopOrder, Runtimes.prober());
                CanaryRecorder canaries = new CanaryRecorder(clock);
                metrics = new PrometheusMetrics(store, apm, driver, System::currentTimeMillis);
                AutoscaleSignals scaleSignals = new AutoscaleSignals(apm, driver);
                ApmRecorder apmRecorder = new ApmRecorder(apm, serviceMap);
                push(stopOrder, watchApmSettings(store, apmRecorder));
                // pushed before the gateway: it stops after it and writes what the gateway queued
                accessLog = settings.gatewayEnabled() ? push(stopOrder,
                        new AccessLog(dataDir.resolve("logs"), settings.accessLogMaxBytes(), settings.accessLogFiles()).start()) : null;
                gateway = settings.gatewayEnabled()
                        ? newGateway(settings, stopOrder, canaries, apmRecorder, metrics, otlp, accessLog)
                        : null;
                scaleSignals.gateway(gateway);
                if (gateway != null) {
                    serviceMap.spanOwner(gateway::appOfSpan); // the gateway's span ids name their app
                }
                InflightSource inflight = gateway == null ? InflightSource.NONE : gateway::inflight;
                CanaryMetrics canaryMetrics = gateway == null ? CanaryMetrics.NONE : canaries;
                ControllerSettings cs = ControllerSettings.DEFAULTS.withStopGrace(settings.stopGrace());
                AppController controller = new AppController(store, driver, prober, dataDir, cs, clock, inflight,
                        canaryMetrics);
                registry.start();
                if (gateway != null) {
                    push(stopOrder, gateway);
                    gateway.start();
                    push(stopOrder, registry.subscribe(gateway::update));
                }
                push(stopOrder, controller).start();
                autoscaler = push(stopOrder, new Autoscaler(store, registry, scaleSignals, clock));
                autoscaler.start();
                logs = Runtimes.logSource(driver);
                driverName = driver.name();
                ready = controller::isRunning;
                restarter = controller::restartInstance;
                usageDriver = driver;
                inflightForAlerts = inflight;
            }
            AppService appService = new AppService(store, new ArtifactStore(dataDir.resolve("artifacts")), clock);
            io.nuri.alerts.AlertRuleService alertRules = new io.nuri.alerts.AlertRuleService(store);
            io.nuri.alerts.AlertEngine alerts = startAlerts(store, apm, inflightForAlerts, clock, stopOrder);
            Server api = Server.builder()
                    .http(new InetSocketAddress(settings.apiHost(), settings.apiPort()))
                    // Its own registry: the gateway's server already registered Armeria's meters globally.
                    .meterRegistry(new io.micrometer.core.instrument.simple.SimpleMeterRegistry())
                    .service("/healthz", (ctx, req) -> HttpResponse.of("ok"))
                    .service("/readyz", (ctx, req) -> ready.getAsBoolean() ? HttpResponse.of("ok")
                            : HttpResponse.of(HttpStatus.SERVICE_UNAVAILABLE, MediaType.PLAIN_TEXT_UTF_8, "not ready"))
                    .annotatedService(new ApiService(store, registry, appService, logs, driverName, VERSION)
                            .withAlertRules(alertRules))
                    .annotatedService(new AlertApi(store, alertRules, alerts))
                    .annotatedService(new RolloutApi(new io.nuri.control.RolloutService(store, clock)))
                    .annotatedService(new InstanceApi(store, restarter))
                    .annotatedService(new ApmApi(store, apm, usageDriver))
                    .annotatedService(new TraceApi(store, apm, serviceMap))
                    .annotatedService(new AutoscaleApi(store, autoscaler))
                    .annotatedService(new LogSearchApi(store, logs, dataDir.resolve("logs"), accessLog,
                            settings.accessLogFiles(), System::currentTimeMillis))
                    .annotatedService(new AccessLogApi(store, logs, dataDir.resolve("logs"), settings.accessLogFiles()))
                    .service("/metrics", metrics.service())
                    .serviceUnder("/", io.nuri.console.ConsoleService.of())
                    .decorator(TokenAuth.newDecorator(token))
                    .maxRequestLength(4 * 1024 * 1024)
                    .gracefulShutdownTimeoutMillis(0, 2000)
                    .build();
            push(stopOrder, () -> api.stop().join());
            api.start().join();
            NuriServer server = new NuriServer(settings, stopOrder, appService, api, gateway, store);
            if (settings.metricsPort() >= 0) {
                // For a Prometheus that holds no token: the same exposition, nothing else, on the API host.
                Server m = Server.builder()
                        .http(new InetSocketAddress(settings.apiHost(), settings.metricsPort()))
                        .meterRegistry(new io.micrometer.core.instrument.simple.SimpleMeterRegistry())
                        .service("/metrics", metrics.service())
                        .gracefulShutdownTimeoutMillis(0, 1000)
                        .build();
                push(stopOrder, () -> m.stop().join());
                m.start().join();
                server.metricsServer = m;
            }
            return server;
        } catch (Exception | Error e) {
            stopAll(stopOrder);
            throw e;
        }
    }

    /** The alert loop (docs/alerts.md): fire/resolve events, webhooks signed with secrets from the environment. */
    private static io.nuri.alerts.AlertEngine startAlerts(Store store, io.nuri.apm.ApmHub apm, InflightSource inflight,
            Clock clock, Deque<AutoCloseable> stopOrder) {
        io.nuri.alerts.WebhookNotifier notifier = push(stopOrder, new io.nuri.alerts.WebhookNotifier(System::getenv,
                event -> store.write(tx -> tx.appendEvent(event))));
        io.nuri.alerts.AlertEngine engine = push(stopOrder, new io.nuri.alerts.AlertEngine(store,
                new io.nuri.alerts.Observer(store, apm, inflight::inflight), notifier, clock,
                io.nuri.alerts.AlertEngine.DEFAULT_INTERVAL));
        engine.start();
        return engine;
    }

    private static Gateway newGateway(ServerSettings settings, Deque<AutoCloseable> stopOrder,
            CanaryRecorder canaries, ApmRecorder apm, PrometheusMetrics metrics,
            OtlpExport otlp, AccessLog accessLog) {
        ServerSettings.GatewayLimits limits = settings.gatewayLimits();
        // -Dnuri.apm.listeners=off (none), =noaccess (all but the access log), =access (the access
        // log alone): only for bench/load/apm-onoff.sh, which measures what each costs the gateway
        String apmListeners = System.getProperty("nuri.apm.listeners", "on");
        boolean apmOn = !apmListeners.equals("off") && !apmListeners.equals("access");
        GatewayBuilder builder = Gateway.builder().http(new InetSocketAddress(settings.gatewayHost(), settings.gatewayPort()))
                .requestListener(canaries); // on the event loop: a canary's verdict must count every request at once
        // The APM's listeners run off the event loops (one thread, in arrival order); only the start
        // hook, which must see a request begin, stays on them.
        OffLoopListener.Builder offLoop = OffLoopListener.builder("nuri-apm-feed");
        if (apmOn) {
            builder.requestStartListener(apm::started);
            offLoop.listener(apm).listener(metrics);
        }
        if (apmListeners.equals("on") || apmListeners.equals("access")) {
            offLoop.listener(accessLog);
        }
        if (apmOn && otlp != null) {
            offLoop.listener(otlp);
        }
        if (!apmListeners.equals("off")) {
            OffLoopListener feed = push(stopOrder, offLoop.build()); // stops after the gateway, before the access log
            builder.requestListener(feed);
            metrics.droppedSamples(feed::dropped, accessLog == null ? null : accessLog::dropped);
        }
        builder.maxRequestBodyBytes(limits.maxBodyBytes()).maxHeaderBytes(limits.maxHeaderBytes());
        if (limits.eventLoops() > 0) {
            builder.eventLoopThreads(limits.eventLoops());
        }
        ServerSettings.GatewayTls tls = settings.gatewayTls();
        if (tls != null) {
            TlsOptions.Builder options = TlsOptions.builder().httpsPort(tls.httpsPort()).bindHost(settings.gatewayHost())
                    .redirectHttp(tls.redirectHttp());
            tls.certs().forEach(c -> options.cert(c.host(), c.certPem(), c.keyPem()));
            if (tls.selfSigned()) {
                options.selfSigned(settings.dataDir().resolve("tls"), "localhost");
            }
            TlsSetup setup = push(stopOrder, TlsSetup.create(options.build()));
            builder.serverCustomizer(setup.serverCustomizer());
        }
        return builder.build();
    }

    /** Keeps the recorder and the hub on every app's spec.apm (APDEX T, user key), now and after each app change. */
    private static AutoCloseable watchApmSettings(Store store, ApmRecorder recorder) {
        Runnable refresh = () -> {
            Map<String, io.nuri.api.spec.ApmSpec> byApp = new java.util.HashMap<>();
            store.apps().forEach(a -> byApp.put(a.key(), a.app().spec().apm()));
            recorder.settings(byApp);
        };
        refresh.run();
        return store.watch(change -> {
            if (change.kind() == Store.Change.Kind.APP) {
                refresh.run();
            }
        });
    }

    private static <T extends AutoCloseable> T push(Deque<AutoCloseable> stack, T part) {
        stack.push(part);
        return part;
    }

    /** An exclusive lock on {@code server.lock}: a second server on this data dir is refused. */
    private static AutoCloseable lockDataDir(Path dataDir) throws IOException {
        FileChannel channel = FileChannel.open(dataDir.resolve("server.lock"), StandardOpenOption.CREATE,
                StandardOpenOption.WRITE);
        FileLock lock = channel.tryLock();
        if (lock == null) {
            channel.close();
            throw new IllegalStateException("another Nuri server is running with data dir " + dataDir
                    + " (see " + dataDir.resolve(SERVER_FILE) + ")");
        }
        return channel; // closing the channel releases the lock
    }

    private static void stopAll(Deque<AutoCloseable> stopOrder) {
        while (!stopOrder.isEmpty()) {
            AutoCloseable part = stopOrder.pop();
            try {
                part.close();
            } catch (Exception e) {
                log.warn("error while stopping {}: {}", part.getClass().getSimpleName(), e.toString());
            }
        }
    }

    public int apiPort() {
        return api.activeLocalPort();
    }


    public AppService apps() {
        return appService;
    }

    public String apiUrl() {
        return url("http", settings.apiHost(), apiPort());
    }

    /** http://host:port of the in-process gateway, when it runs. */
    public java.util.Optional<String> gatewayUrl() {
        return gateway == null ? java.util.Optional.empty()
                : java.util.Optional.of(url("http", settings.gatewayHost(), gateway.port()));
    }

    /** http://host:port/metrics of the unauthenticated metrics listener ({@code --metrics-port}), when it runs. */
    public java.util.Optional<String> metricsUrl() {
        return metricsServer == null ? java.util.Optional.empty()
                : java.util.Optional.of(url("http", settings.apiHost(), metricsServer.activeLocalPort()) + "/metrics");
    }

    /** https://host:port of the gateway when it serves TLS. */
    public java.util.Optional<String> gatewayHttpsUrl() {
        return gateway == null || gateway.httpsPort().isEmpty() ? java.util.Optional.empty()
                : java.util.Optional.of(url("https", settings.gatewayHost(), gateway.httpsPort().getAsInt()));
    }

    /** A URL clients can use: a wildcard bind address is reached on loopback; IPv6 in brackets. */
    private static String url(String scheme, String bindHost, int port) {
        String host = bindHost.equals("0.0.0.0") ? "127.0.0.1" : bindHost.equals("::") ? "::1" : bindHost;
        return scheme + "://" + (host.contains(":") ? "[" + host + "]" : host) + ":" + port;
    }

    /**
     * Records where clients find the API: {@code server.json}, written atomically. The caller
     * announces once the server is ready for its users, initial applies included, so a script
     * that waits for the file never sees a platform without its apps.
     */
    /** Appends an event to the platform's log (parts that run beside the controllers, e.g. the GSLB). */
    public void recordEvent(io.nuri.api.model.Event event) {
        store.write(tx -> tx.appendEvent(event));
    }

    /** Stops {@code part} with the platform, before the parts started earlier. */
    public void stopWith(AutoCloseable part) {
        stopOrder.push(part);
    }

    public void announce() throws IOException {
        Map<String, Object> info = new LinkedHashMap<>();
        info.put("url", apiUrl());
        gatewayUrl().ifPresent(url -> info.put("gatewayUrl", url));
        gatewayHttpsUrl().ifPresent(url -> info.put("gatewayHttpsUrl", url));
        metricsUrl().ifPresent(url -> info.put("metricsUrl", url));
        info.put("pid", ProcessHandle.current().pid());
        info.put("startedAt", Instant.now().toString());
        info.put("version", VERSION);
        Path dir = settings.dataDir();
        Path tmp = Files.createTempFile(dir, ".server-", ".tmp");
        Files.writeString(tmp, Json.writePretty(info) + "\n");
        Files.move(tmp, dir.resolve(SERVER_FILE), StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    }

    /**
     * Stops the API, then the controllers (so nothing restarts what is being stopped), then
     * every instance within its grace period, then the store.
     */
    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        log.info("stopping: API, gateway, controllers, then every instance (grace {} s)", settings.stopGrace().toSeconds());
        try {
            Files.deleteIfExists(settings.dataDir().resolve(SERVER_FILE));
        } catch (IOException e) {
            log.warn("cannot remove {}: {}", SERVER_FILE, e.toString());
        }
        stopAll(stopOrder);
        log.info("stopped");
    }

    static void createPrivateDir(Path dir) throws IOException {
        if (!Files.isDirectory(dir)) {
            Files.createDirectories(dir, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
        }
    }
}
