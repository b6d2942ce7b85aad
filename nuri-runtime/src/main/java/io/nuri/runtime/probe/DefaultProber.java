package io.nuri.runtime.probe;

import io.nuri.api.spec.Probe;
import io.nuri.api.spec.Probes;
import io.nuri.runtime.ChildEnvironment;
import io.nuri.runtime.Prober;
import java.io.File;
import java.io.IOException;
import java.math.BigDecimal;
import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.time.Duration;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs HTTP, TCP and exec probes as the kubelet does, with the semantics of {@link Prober}.
 *
 * <p>One platform thread only keeps time; every probe runs on a virtual thread of its own, so a
 * hanging app costs a parked virtual thread until the timeout, not a pool slot. Each probe of an
 * instance runs sequentially: the next run is due one period after the previous one started, or
 * at once when the previous one took longer than the period (a probe never overlaps itself).
 *
 * <ul>
 * <li>HTTP: GET {@code http://host:port/path} over HTTP/1.1, redirects not followed; 2xx and 3xx
 *     pass. Connect and response timeout are both {@code timeoutSeconds}.
 * <li>TCP: a connect within {@code timeoutSeconds} passes.
 * <li>exec: the command runs with the platform's environment minus its secrets plus the
 *     instance's env (and {@code PORT}); exit 0 within the timeout passes, otherwise the command
 *     and its children are killed.
 * </ul>
 *
 * <p>Reporting: startup and readiness begin unknown, so their first settled state is reported
 * either way (a readiness probe failing from the start says why the instance never got ready);
 * liveness begins passing, so only its failure and recovery are reported. A failed startup
 * probe ends all probing of that instance (the controller restarts it and watches again).
 * Nothing is delivered once {@link #unwatch} or {@link #close} returned; a listener must not
 * wait for another thread that calls {@code unwatch}, since delivery and unwatch share a lock.
 */
public final class DefaultProber implements Prober {
    private static final Logger log = LoggerFactory.getLogger(DefaultProber.class);

    private final ScheduledExecutorService timer;
    private final ExecutorService runner = Executors.newVirtualThreadPerTaskExecutor();
    private final Map<Long, HttpClient> clients = new ConcurrentHashMap<>();
    private final Map<String, Watch> watches = new ConcurrentHashMap<>();
    private final Map<String, String> platformEnv;
    private volatile boolean closed;

    public DefaultProber() {
        this(System.getenv());
    }

    /** @param platformEnv what exec probes inherit, before secrets are withheld (for tests) */
    public DefaultProber(Map<String, String> platformEnv) {
        this.platformEnv = Map.copyOf(platformEnv);
        this.timer = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "nuri-prober-timer");
            t.setDaemon(true);
            return t;
        });
    }

    @Override
    public void watch(String instanceId, String host, int port, Probes probes, Map<String, String> env,
            Listener listener) {
        Objects.requireNonNull(instanceId, "instanceId");
        Objects.requireNonNull(listener, "listener");
        if (closed) {
            throw new IllegalStateException("prober is closed");
        }
        Watch w = new Watch(instanceId, host == null ? "127.0.0.1" : host, port,
                probes == null ? Probes.NONE : probes, env == null ? Map.of() : Map.copyOf(env), listener);
        Watch old = watches.put(instanceId, w);
        if (old != null) {
            old.cancel();
        }
        w.begin();
    }

    @Override
    public void unwatch(String instanceId) {
        Watch w = watches.remove(instanceId);
        if (w != null) {
            w.cancel();
        }
    }

    @Override
    public void close() {
        closed = true;
        watches.values().forEach(Watch::cancel);
        watches.clear();
        timer.shutdownNow();
        runner.shutdownNow();
        clients.values().forEach(HttpClient::shutdownNow);
    }

    // ---------------------------------------------------------------- one instance

    private final class Watch {
        final String id;
        final String host;
        final int port;
        final Probes probes;
        final Map<String, String> env;
        final Listener listener;
        final long since = System.nanoTime();
        final Object lock = new Object();
        boolean cancelled; // guarded by lock
        final Loop startup;
        final Loop readiness;
        final Loop liveness;

        Watch(String id, String host, int port, Probes probes, Map<String, String> env, Listener listener) {
            this.id = id;
            this.host = host;
            this.port = port;
            this.probes = probes;
            this.env = env;
            this.listener = listener;
            this.startup = probes.startup() == null ? null : new Loop(this, Kind.STARTUP, probes.startup(), null);
            this.readiness = probes.readiness() == null ? null : new Loop(this, Kind.READINESS, probes.readiness(), null);
            this.liveness = probes.liveness() == null ? null : new Loop(this, Kind.LIVENESS, probes.liveness(), true);
        }

        void begin() {
            if (startup != null) {
                startup.scheduleFromWatchStart();
            } else {
                afterStartup();
            }
        }

        void afterStartup() {
            if (readiness != null) {
                readiness.scheduleFromWatchStart();
            }
            if (liveness != null) {
                liveness.scheduleFromWatchStart();
            }
        }

        boolean cancelled() {
            synchronized (lock) {
                return cancelled;
            }
        }

        void cancel() {
            synchronized (lock) {
                cancelled = true;
            }
            for (Loop l : new Loop[] {startup, readiness, liveness}) {
                if (l != null) {
                    l.cancel();
                }
            }
        }

        void deliver(Kind kind, boolean passing, String detail) {
            synchronized (lock) {
                if (cancelled) {
                    return;
                }
                log.info("probe {} instance={} {}: {}", kind.name().toLowerCase(java.util.Locale.ROOT), id,
                        passing ? "passing" : "failing", detail);
                try {
                    listener.onTransition(id, kind, passing, detail);
                } catch (RuntimeException e) {
                    log.warn("probe listener failed for instance={}", id, e);
                }
            }
        }
    }

    private static final long FAST_RETRY_NANOS = TimeUnit.MILLISECONDS.toNanos(100);

    /** One probe of one instance: its schedule, its consecutive counts and its reported state. */
    private final class Loop {
        final Watch w;
        final Kind kind;
        final Probe p;
        final long periodNanos;
        final Duration timeout;
        final int failureThreshold;
        final int successThreshold;
        int successes; // touched by one run at a time
        int failures;
        Boolean state; // null: not settled yet
        long nextRegularNanos; // when the next run that counts toward the thresholds is due
        volatile boolean done;
        volatile ScheduledFuture<?> next;

        Loop(Watch w, Kind kind, Probe p, Boolean initial) {
            this.w = w;
            this.kind = kind;
            this.p = p;
            this.periodNanos = (long) ((p.periodSeconds() > 0 ? p.periodSeconds() : Probe.DEFAULT_PERIOD_SECONDS) * 1e9);
            this.timeout = Duration.ofNanos((long) ((p.timeoutSeconds() > 0 ? p.timeoutSeconds()
                    : Probe.DEFAULT_TIMEOUT_SECONDS) * 1e9));
            this.failureThreshold = p.failureThreshold() > 0 ? p.failureThreshold() : Probe.DEFAULT_FAILURE_THRESHOLD;
            this.successThreshold = p.successThreshold() > 0 ? p.successThreshold() : Probe.DEFAULT_SUCCESS_THRESHOLD;
            this.state = initial;
        }

        /** initialDelaySeconds counts from the watch, also for probes that waited for startup. */
        void scheduleFromWatchStart() {
            long due = w.since + TimeUnit.SECONDS.toNanos(Math.max(0, p.initialDelaySeconds()));
            nextRegularNanos = due;
            schedule(due - System.nanoTime());
        }

        void schedule(long delayNanos) {
            if (done || w.cancelled() || closed) {
                return;
            }
            try {
                next = timer.schedule(() -> runner.execute(this::runOnce), Math.max(0, delayNanos), TimeUnit.NANOSECONDS);
            } catch (RejectedExecutionException e) {
                // closed meanwhile
            }
        }

        void cancel() {
            done = true;
            ScheduledFuture<?> f = next;
            if (f != null) {
                f.cancel(false);
            }
        }

        void runOnce() {
            if (done || w.cancelled()) {
                return;
            }
            long started = System.nanoTime();
            Result r = check(w, p, timeout);
            if (done || w.cancelled()) {
                return;
            }
            boolean regular = started - nextRegularNanos >= -FAST_RETRY_NANOS / 2;
            if (regular) {
                nextRegularNanos = started + periodNanos;
            }
            if (r.ok || regular) {
                onResult(r); // a quick retry may pass the probe, but only regular runs count failures
            }
            long untilRegular = nextRegularNanos - System.nanoTime();
            schedule(fastRetry(r) ? Math.min(FAST_RETRY_NANOS, untilRegular) : untilRegular);
        }

        /**
         * Until a startup or readiness probe has first passed, a failure is retried every 100 ms
         * between the regular runs: an instance is Ready ~0.1 s after it starts answering
         * instead of up to a whole period later. Kubernetes waits for the period; the quick
         * retries never count toward failureThreshold, so the time an app gets to start is the same.
         */
        private boolean fastRetry(Result r) {
            return !r.ok && state == null && kind != Kind.LIVENESS && periodNanos > FAST_RETRY_NANOS;
        }

        void onResult(Result r) {
            if (r.ok) {
                successes++;
                failures = 0;
            } else {
                failures++;
                successes = 0;
            }
            boolean settlesPass = r.ok && successes >= successThreshold && !Boolean.TRUE.equals(state);
            boolean settlesFail = !r.ok && failures >= failureThreshold && !Boolean.FALSE.equals(state);
            if (!settlesPass && !settlesFail) {
                return;
            }
            state = r.ok;
            if (kind == Kind.STARTUP) {
                done = true; // startup reports once, either way
                w.deliver(kind, r.ok, r.detail);
                if (r.ok) {
                    w.afterStartup();
                }
            } else {
                w.deliver(kind, r.ok, r.detail);
            }
        }
    }

    // ---------------------------------------------------------------- the checks

    record Result(boolean ok, String detail) {}

    private Result check(Watch w, Probe p, Duration timeout) {
        try {
            if (p.http() != null) {
                return http(w, p.http().path(), timeout);
            }
            if (p.exec() != null) {
                return exec(w, p.exec().command(), timeout);
            }
            return tcp(w, timeout); // tcp, and the default for a probe without an action
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return new Result(false, "interrupted");
        } catch (RuntimeException e) {
            return new Result(false, "probe failed: " + e);
        }
    }

    private Result http(Watch w, String rawPath, Duration timeout) throws InterruptedException {
        String path = rawPath == null || rawPath.isBlank() ? "/" : rawPath.startsWith("/") ? rawPath : "/" + rawPath;
        String host = w.host.contains(":") && !w.host.startsWith("[") ? "[" + w.host + "]" : w.host;
        HttpRequest req = HttpRequest.newBuilder(URI.create("http://" + host + ":" + w.port + path))
                .timeout(timeout)
                .header("User-Agent", "nuri-probe/1")
                .GET()
                .build();
        try {
            HttpResponse<Void> resp = client(timeout).send(req, HttpResponse.BodyHandlers.discarding());
            int s = resp.statusCode();
            return new Result(s >= 200 && s < 400, "HTTP " + s + " from " + path);
        } catch (HttpTimeoutException e) { // connect or response
            return new Result(false, "timeout after " + seconds(timeout));
        } catch (ConnectException e) {
            return new Result(false, "connection refused");
        } catch (IOException e) {
            return new Result(false, "HTTP GET " + path + " failed: " + message(e));
        }
    }

    private HttpClient client(Duration connectTimeout) {
        return clients.computeIfAbsent(connectTimeout.toMillis(), ms -> HttpClient.newBuilder()
                .version(HttpClient.Version.HTTP_1_1)
                .followRedirects(HttpClient.Redirect.NEVER)
                .connectTimeout(Duration.ofMillis(ms))
                .executor(runner)
                .build());
    }

    private static Result tcp(Watch w, Duration timeout) {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress(w.host, w.port), (int) Math.max(1, timeout.toMillis()));
            return new Result(true, "connected to port " + w.port);
        } catch (SocketTimeoutException e) {
            return new Result(false, "timeout after " + seconds(timeout));
        } catch (ConnectException e) {
            return new Result(false, "connection refused");
        } catch (IOException e) {
            return new Result(false, "connect to port " + w.port + " failed: " + message(e));
        }
    }

    private Result exec(Watch w, java.util.List<String> command, Duration timeout) throws InterruptedException {
        if (command.isEmpty()) {
            return new Result(false, "probe command is empty");
        }
        String name = command.get(0);
        ProcessBuilder pb = new ProcessBuilder(command)
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.DISCARD);
        File devNull = new File("/dev/null");
        if (devNull.exists()) {
            pb.redirectInput(devNull);
        }
        pb.environment().clear();
        pb.environment().putAll(ChildEnvironment.inherited(platformEnv));
        pb.environment().putAll(w.env);
        pb.environment().putIfAbsent("PORT", Integer.toString(w.port));
        Process proc;
        try {
            proc = pb.start();
        } catch (IOException e) {
            return new Result(false, "cannot run " + name + ": " + launchError(e));
        }
        try {
            if (!proc.waitFor(timeout.toNanos(), TimeUnit.NANOSECONDS)) {
                kill(proc);
                return new Result(false, "timeout after " + seconds(timeout));
            }
        } catch (InterruptedException e) {
            kill(proc);
            throw e;
        }
        int code = proc.exitValue();
        return new Result(code == 0, "exit code " + code + " from " + name);
    }

    private static void kill(Process proc) {
        proc.descendants().forEach(ProcessHandle::destroyForcibly);
        proc.destroyForcibly();
    }

    static String launchError(IOException e) {
        return io.nuri.runtime.LaunchErrors.reason(e);
    }

    private static String message(Exception e) {
        return e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
    }

    /** "1 s", "0.5 s". */
    static String seconds(Duration d) {
        return BigDecimal.valueOf(d.toMillis(), 3).stripTrailingZeros().toPlainString() + " s";
    }
}
