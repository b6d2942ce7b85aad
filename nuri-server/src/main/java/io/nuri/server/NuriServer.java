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
    private final FileChannel lockChannel;
    private final FileLock lock;
    private final Store store;
    private final Driver driver;
    private final Prober prober;
    private final AppController controller;
    private final AppService appService;
    private final Server api;
    private final AtomicBoolean closed = new AtomicBoolean();

    private NuriServer(ServerSettings settings, FileChannel lockChannel, FileLock lock, Store store, Driver driver,
            Prober prober, AppController controller, AppService appService, Server api) {
        this.settings = settings;
        this.lockChannel = lockChannel;
        this.lock = lock;
        this.store = store;
        this.driver = driver;
        this.prober = prober;
        this.controller = controller;
        this.appService = appService;
        this.api = api;
    }

    /** Starts everything; on failure stops what already started and rethrows. */
    public static NuriServer start(ServerSettings settings) throws Exception {
        Path dataDir = settings.dataDir();
        createPrivateDir(dataDir);
        FileChannel lockChannel = FileChannel.open(dataDir.resolve("server.lock"), StandardOpenOption.CREATE,
                StandardOpenOption.WRITE);
        FileLock lock = lockChannel.tryLock();
        if (lock == null) {
            lockChannel.close();
            throw new IllegalStateException("another Nuri server is running with data dir " + dataDir
                    + " (see " + dataDir.resolve(SERVER_FILE) + ")");
        }
        AdminToken token = AdminToken.loadOrCreate(dataDir);
        Clock clock = Clock.systemUTC();
        Store store = null;
        Driver driver = null;
        Prober prober = null;
        AppController controller = null;
        EndpointRegistry registry = null;
        try {
            store = Runtimes.openStore(dataDir);
            driver = Runtimes.processDriver(dataDir);
            prober = Runtimes.prober();
            ControllerSettings cs = ControllerSettings.DEFAULTS.withStopGrace(settings.stopGrace());
            controller = new AppController(store, driver, prober, dataDir, cs, clock);
            registry = new EndpointRegistry(store);
            registry.start();
            controller.start();
            AppService appService = new AppService(store, new ArtifactStore(dataDir.resolve("artifacts")), clock);
            AppController ctl = controller;
            Server api = Server.builder()
                    .http(new InetSocketAddress(settings.apiHost(), settings.apiPort()))
                    .service("/healthz", (ctx, req) -> HttpResponse.of("ok"))
                    .service("/readyz", (ctx, req) -> ctl.isRunning() ? HttpResponse.of("ok")
                            : HttpResponse.of(HttpStatus.SERVICE_UNAVAILABLE, MediaType.PLAIN_TEXT_UTF_8, "not ready"))
                    .annotatedService(new ApiService(store, registry, appService, Runtimes.logSource(driver), driver.name(), VERSION))
                    .annotatedService(new RolloutApi(new io.nuri.control.RolloutService(store, clock)))
                    .decorator(TokenAuth.newDecorator(token))
                    .maxRequestLength(4 * 1024 * 1024)
                    .gracefulShutdownTimeoutMillis(0, 2000)
                    .build();
            api.start().join();
            NuriServer server = new NuriServer(settings, lockChannel, lock, store, driver, prober, controller,
                    appService, api);
            server.writeServerFile();
            return server;
        } catch (Exception | Error e) {
            if (controller != null) {
                controller.close();
            }
            if (registry != null) {
                registry.close();
            }
            if (driver != null) {
                driver.close();
            }
            if (prober != null) {
                prober.close();
            }
            if (store != null) {
                store.close();
            }
            lock.release();
            lockChannel.close();
            throw e;
        }
    }

    public int apiPort() {
        return api.activeLocalPort();
    }

    public String apiUrl() {
        String host = settings.apiHost().contains(":") ? "[" + settings.apiHost() + "]" : settings.apiHost();
        if (host.equals("0.0.0.0")) {
            host = "127.0.0.1";
        }
        return "http://" + host + ":" + apiPort();
    }

    public AppService apps() {
        return appService;
    }

    /** Records where clients find the API: {@code server.json}, written atomically. */
    private void writeServerFile() throws IOException {
        Map<String, Object> info = new LinkedHashMap<>();
        info.put("url", apiUrl());
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
        log.info("stopping: API, controllers, then every instance (grace {} s)", settings.stopGrace().toSeconds());
        try {
            Files.deleteIfExists(settings.dataDir().resolve(SERVER_FILE));
        } catch (IOException e) {
            log.warn("cannot remove {}: {}", SERVER_FILE, e.toString());
        }
        api.stop().join();
        controller.close();
        prober.close();
        driver.close();
        store.close();
        try {
            lock.release();
            lockChannel.close();
        } catch (IOException ignored) {
            // the OS releases the lock with the process anyway
        }
        log.info("stopped");
    }

    static void createPrivateDir(Path dir) throws IOException {
        if (!Files.isDirectory(dir)) {
            Files.createDirectories(dir, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
        }
    }
}
