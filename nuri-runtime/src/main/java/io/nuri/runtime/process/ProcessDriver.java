package io.nuri.runtime.process;

import io.nuri.runtime.ChildEnvironment;
import io.nuri.runtime.Driver;
import io.nuri.runtime.DriverException;
import io.nuri.runtime.ExitStatus;
import io.nuri.runtime.InstanceHandle;
import io.nuri.runtime.LaunchSpec;
import io.nuri.runtime.ResourceUsage;
import io.nuri.api.spec.Resources;
import io.nuri.api.spec.RunSpec;
import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Deque;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import oshi.SystemInfo;
import oshi.software.os.OSProcess;
import oshi.software.os.OperatingSystem;

/**
 * The embedded driver: each instance is an OS process of its own, with its own port and log file.
 *
 * <h2>Launch</h2>
 * A jar runs as {@code java <javaOpts> [-Xmx] -jar <jar> <args>}, a command as {@code argv + args}.
 * The environment is the platform's minus its secrets ({@link ChildEnvironment}), plus the spec's,
 * plus {@code PORT}, {@code NURI_INSTANCE_ID}, {@code NURI_APP}, {@code NURI_NAMESPACE},
 * {@code NURI_REVISION}, {@code NURI_MEMORY_LIMIT} (bytes, when set) and {@code NURI_OWNER}: a
 * stable id of this driver's data dir. stdout and stderr go straight to
 * {@code <logDir>/<id>.log}, opened with O_APPEND by the child itself, never through a pipe: an
 * instance outlives a platform crash without SIGPIPE and keeps logging, and rotation by
 * copytruncate works ({@link LogFiles}).
 *
 * <h2>Identity, recover and strays</h2>
 * The environment a process was exec'd with is readable in {@code /proc/<pid>/environ} and is
 * inherited by everything it starts, so {@code NURI_OWNER} + {@code NURI_INSTANCE_ID} name an
 * instance's whole tree, even children that were re-parented to init when their parent died.
 * {@link #recover} adopts a process only if pid, start time (within {@value #START_TIME_TOLERANCE_MS}
 * ms) and, when readable, both markers match; {@link #reapStrays} kills marked processes whose
 * instance nobody claims. Processes without our owner marker are never signalled.
 *
 * <h2>Memory and cpu</h2>
 * A jar with {@code resources.memory} and no heap flag of its own gets {@code -Xmx} = 75% of it
 * (the rest is metaspace, threads, code cache). Where the driver has a writable cgroup hierarchy
 * (v1 or v2, detected at build; see {@link CgroupLimiter}), an instance with a memory or cpu
 * limit also runs in a cgroup of its own, {@code nuri-<ownerId>/<instanceId>} under the driver's
 * cgroup, with the memory limit as the kernel's limit and the cpu request as a CFS quota (a cap).
 * The kernel's OOM killer ending the instance reads {@code OOMKilled: memory limit 256Mi}. The
 * cgroup goes when the instance has exited; {@code nuri-<ownerId>} when the driver closes.
 * Setup failing never fails a start (a WARN once per reason); {@link ProcessDriverBuilder#cgroups}
 * turns cgroups off. Without a cgroup cpu is not limited.
 * <p>
 * Both ways, every instance's tree RSS is read once per {@code sampleInterval} ({@link #usage}
 * stays this reading, not the cgroup's accounting, which includes page cache); two readings in a
 * row over the limit kill the tree with SIGKILL and the exit reads {@code OOMKilled: memory 300Mi
 * over limit 256Mi}. Two readings, not one, so a short spike during a GC does not kill. This
 * watchdog is the whole enforcement where there is no cgroup (an unprivileged platform on cgroup
 * v1 without delegation), and the fallback where there is one.
 *
 * <h2>Exit reasons</h2>
 * {@code exit code 1}; {@code killed (SIGKILL)}, {@code terminated (SIGTERM)}, {@code killed by
 * signal 6 (SIGABRT)} (the JDK reports a signal death as 128 + signal, as shells do; the
 * {@link ExitStatus} carries code 137 and signal 9); {@code exited (code unknown)} for a
 * re-adopted process that is not our child; {@code stopped} and {@code stopped: killed (SIGKILL)
 * after 5 s grace} after {@link #stop}; {@code OOMKilled: ...} as above (the watchdog's, or the
 * cgroup's when its OOM counter rose and the process died of a SIGKILL that was not ours).
 */
public final class ProcessDriver implements Driver {
    public static final String NAME = "process";
    public static final String ENV_INSTANCE_ID = "NURI_INSTANCE_ID";
    public static final String ENV_OWNER = "NURI_OWNER";
    public static final String ENV_APP = "NURI_APP";
    public static final String ENV_NAMESPACE = "NURI_NAMESPACE";
    public static final String ENV_REVISION = "NURI_REVISION";
    public static final String ENV_MEMORY_LIMIT = "NURI_MEMORY_LIMIT";

    /**
     * The JDK reports a start time as boot time + the kernel's start tick (10 ms jiffies), and
     * takes boot time from /proc/stat in whole seconds when it starts; a platform restarted after
     * the wall clock stepped can therefore see the same process up to a second apart. A reused
     * pid within that second of the original start is not a practical risk, and when
     * /proc/PID/environ is readable the markers prove identity anyway.
     */
    static final long START_TIME_TOLERANCE_MS = 1000;
    /** Strays get SIGTERM, then SIGKILL after this. */
    static final Duration STRAY_GRACE = Duration.ofSeconds(2);
    private static final int EXITED_KEPT = 1024;

    private static final Logger log = LoggerFactory.getLogger(ProcessDriver.class);

    private final Path dataDir;
    private final Path javaExecutable;
    private final long logMaxBytes;
    private final int logFiles;
    private final Duration sampleInterval;
    private final Duration defaultStopGrace;
    private final Map<String, String> parentEnv;
    private final String owner;
    private final String ownerEntry;

    private final ConcurrentHashMap<String, Tracked> live = new ConcurrentHashMap<>();
    private final Map<String, Tracked> exited = java.util.Collections.synchronizedMap(
            new LinkedHashMap<>(16, 0.75f, false) {
                @Override
                protected boolean removeEldestEntry(Map.Entry<String, Tracked> e) {
                    return size() > EXITED_KEPT;
                }
            });
    private final Set<String> starting = ConcurrentHashMap.newKeySet();
    /** start/recover hold it shared between fork and tracking; reapStrays holds it exclusively. */
    private final ReentrantReadWriteLock forkLock = new ReentrantReadWriteLock();
    private final ScheduledExecutorService ticker;
    private final ExecutorService waiters = Executors.newVirtualThreadPerTaskExecutor();
    private final OperatingSystem os;
    private final CgroupLimiter cgroups;
    private volatile boolean closed;
    private volatile boolean abandoned;

    ProcessDriver(ProcessDriverBuilder b, Path realDataDir) {
        this.dataDir = realDataDir;
        this.javaExecutable = b.javaExecutable;
        this.logMaxBytes = b.logMaxBytes;
        this.logFiles = b.logFiles;
        this.sampleInterval = b.sampleInterval;
        this.defaultStopGrace = b.defaultStopGrace;
        this.parentEnv = b.parentEnv;
        this.owner = ownerOf(realDataDir);
        this.ownerEntry = ENV_OWNER + "=" + owner;
        this.os = new SystemInfo().getOperatingSystem();
        this.cgroups = CgroupLimiter.detect(owner, b.cgroups);
        this.ticker = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "nuri-process-driver-tick");
            t.setDaemon(true);
            return t;
        });
        long periodMs = Math.max(1, sampleInterval.toMillis());
        ticker.scheduleWithFixedDelay(this::tick, periodMs, periodMs, TimeUnit.MILLISECONDS);
        if (cgroups.active()) {
            log.info("process driver: data dir {} owner {}; limits enforced by {}, heap size for jars and an RSS"
                    + " watchdog every {} ms", dataDir, owner, cgroups.describe(), periodMs);
        } else {
            log.info("process driver: data dir {} owner {}; memory limits enforced by heap size and RSS watchdog"
                    + " (every {} ms) only, cpu not limited: {}", dataDir, owner, periodMs, cgroups.describe());
        }
    }

    public static ProcessDriverBuilder builder() {
        return new ProcessDriverBuilder();
    }

    /** sha-256 of the data dir's real path, first 16 hex digits. */
    static String ownerOf(Path realDataDir) {
        try {
            byte[] d = MessageDigest.getInstance("SHA-256").digest(realDataDir.toString().getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(d).substring(0, 16);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    @Override
    public String name() {
        return NAME;
    }

    /** The {@code NURI_OWNER} value this driver gives its instances and reaps by. */
    public String ownerId() {
        return owner;
    }

    public Path dataDir() {
        return dataDir;
    }

    /** What enforces limits here (for tests and diagnostics). */
    CgroupLimiter cgroups() {
        return cgroups;
    }

    /** The cgroup of a running instance, if it has one. */
    Optional<CgroupLimiter.Group> cgroupOf(String instanceId) {
        return Optional.ofNullable(live.get(instanceId)).map(t -> t.cgroup);
    }

    // ---------------------------------------------------------------- start

    @Override
    public InstanceHandle start(LaunchSpec spec) throws DriverException {
        if (closed) {
            throw new DriverException("driver is closed");
        }
        String id = spec.instanceId();
        if (id == null || id.isBlank() || id.contains("/") || id.contains("\0")) {
            throw new DriverException("invalid instance id: " + id);
        }
        List<String> argv = argv(spec);
        Path logDir = spec.logDir() != null ? spec.logDir() : dataDir.resolve("logs");
        Path logFile = logDir.resolve(id + ".log");
        Path workDir;
        try {
            Files.createDirectories(logDir);
            if (spec.run().workingDir() != null && !spec.run().workingDir().isBlank()) {
                workDir = Path.of(spec.run().workingDir());
                if (!Files.isDirectory(workDir)) {
                    throw new DriverException("working dir does not exist: " + workDir);
                }
            } else {
                workDir = Files.createDirectories(dataDir.resolve("instances").resolve(id));
            }
        } catch (IOException e) {
            throw new DriverException("cannot create folders for instance " + id + ": " + e.getMessage(), e);
        }
        writeLogMeta(logFile, spec);
        long memLimit = memoryBytes(spec.resources());
        long cpuMillis = spec.resources() == null ? 0 : spec.resources().cpuMillis();
        requireExecutable(argv.get(0), spec.env());
        ProcessBuilder pb = new ProcessBuilder(inOwnSession(argv))
                .directory(workDir.toFile())
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(logFile.toFile()));
        File devNull = new File("/dev/null");
        if (devNull.exists()) {
            pb.redirectInput(devNull);
        }
        pb.environment().clear();
        pb.environment().putAll(environment(spec, memLimit));

        forkLock.readLock().lock();
        try {
            if (!starting.add(id)) {
                throw new DriverException("instance " + id + " is already starting");
            }
            try {
                if (live.containsKey(id)) {
                    throw new DriverException("instance " + id + " is already running");
                }
                CgroupLimiter.Group cgroup = memLimit > 0 || cpuMillis > 0
                        ? cgroups.create(id, memLimit, cpuMillis).orElse(null) : null;
                Process p;
                try {
                    p = pb.start();
                } catch (IOException e) {
                    if (cgroup != null) {
                        cgroups.release(cgroup);
                    }
                    throw new DriverException("cannot start " + argv.get(0) + ": " + launchError(e), e);
                }
                cgroup = attach(cgroup, p.pid());
                long startMillis = p.info().startInstant().map(Instant::toEpochMilli).orElseGet(System::currentTimeMillis);
                InstanceHandle handle = new InstanceHandle(InstanceHandle.CURRENT_VERSION, NAME, id, p.pid(), startMillis,
                        spec.port(), logFile);
                Tracked t = new Tracked(handle, spec.namespace(), spec.app(), spec.revision(), p.toHandle(), p, memLimit,
                        spec.stopGrace() != null ? spec.stopGrace() : defaultStopGrace, cgroup);
                live.put(id, t);
                exited.remove(id);
                log.info("started app={}/{} revision={} instance={} pid={} port={} log={} cmd={}{}", spec.namespace(),
                        spec.app(), spec.revision(), id, p.pid(), spec.port(), logFile, argv,
                        cgroup == null ? "" : " in " + cgroup.describe());
                p.onExit().whenComplete((done, err) -> onExit(t, err == null ? done.exitValue() : null));
                return handle;
            } finally {
                starting.remove(id);
            }
        } finally {
            forkLock.readLock().unlock();
        }
    }

    /**
     * Moves the just-started process into its cgroup (see {@link CgroupLimiter} on the few
     * milliseconds it runs outside); on failure the instance runs on without one.
     */
    private CgroupLimiter.Group attach(CgroupLimiter.Group cgroup, long pid) {
        if (cgroup == null) {
            return null;
        }
        try {
            cgroup.attach(pid);
            return cgroup;
        } catch (IOException | RuntimeException e) {
            if (attachWarned.compareAndSet(false, true)) {
                log.warn("cannot move pid {} into {} ({}); it runs with heap size and RSS watchdog only", pid,
                        cgroup.describe(), e.getMessage());
            } else {
                log.debug("cannot move pid {} into {}: {}", pid, cgroup.describe(), e.getMessage());
            }
            cgroups.release(cgroup);
            return null;
        }
    }

    private final AtomicBoolean attachWarned = new AtomicBoolean();

    private List<String> argv(LaunchSpec spec) throws DriverException {
        RunSpec run = spec.run();
        if (run == null) {
            throw new DriverException("instance " + spec.instanceId() + " has no run spec");
        }
        List<String> argv = new ArrayList<>();
        if (run.isJar()) {
            Path jar = Path.of(run.jar());
            if (!Files.isRegularFile(jar)) {
                throw new DriverException("jar not found: " + jar);
            }
            argv.add(javaExecutable.toString());
            argv.addAll(run.javaOpts());
            long mem = memoryBytes(spec.resources());
            if (mem > 0 && run.javaOpts().stream().noneMatch(ProcessDriver::isHeapFlag)) {
                argv.add("-Xmx" + heapFor(mem));
            }
            argv.add("-jar");
            argv.add(jar.toString());
        } else {
            if (run.command().isEmpty()) {
                throw new DriverException("run spec has neither jar nor command");
            }
            argv.addAll(run.command());
        }
        argv.addAll(run.args());
        return argv;
    }

    /**
     * Runs the instance in a session of its own (setsid execs in place: same pid), so a Ctrl-C
     * or hang-up in the platform's terminal reaches the platform, which then stops its
     * instances in order, and not the instances directly.
     */
    private static List<String> inOwnSession(List<String> argv) {
        if (SETSID == null) {
            return argv;
        }
        List<String> wrapped = new ArrayList<>(argv.size() + 1);
        wrapped.add(SETSID);
        wrapped.addAll(argv);
        return wrapped;
    }

    private static final String SETSID = java.util.stream.Stream.of("/usr/bin/setsid", "/bin/setsid")
            .filter(p -> Files.isExecutable(Path.of(p))).findFirst().orElse(null);

    /** With setsid in front, a missing program would only show as exit 127; say it up front. */
    private static void requireExecutable(String program, Map<String, String> env) throws DriverException {
        if (program.contains("/")) {
            if (!Files.isExecutable(Path.of(program))) {
                throw new DriverException("cannot start " + program + ": not an executable file");
            }
            return;
        }
        String path = env.getOrDefault("PATH", System.getenv().getOrDefault("PATH", "/usr/bin:/bin"));
        for (String dir : path.split(":")) {
            if (!dir.isEmpty() && Files.isExecutable(Path.of(dir, program))) {
                return;
            }
        }
        throw new DriverException("cannot start " + program + ": not found on PATH");
    }

    static String launchError(IOException e) {
        return io.nuri.runtime.LaunchErrors.reason(e);
    }

    private static boolean isHeapFlag(String opt) {
        return opt.startsWith("-Xmx") || opt.startsWith("-XX:MaxRAM") || opt.startsWith("-XX:MaxHeapSize");
    }

    /** 75% of the limit, in m when that is exact enough, else in k: 256Mi -> 192m, 16Mi -> 12m. */
    static String heapFor(long memBytes) {
        long heap = memBytes / 4 * 3;
        return heap >= (64L << 20) || heap % (1L << 20) == 0 ? (heap >> 20) + "m" : (heap >> 10) + "k";
    }

    private static long memoryBytes(Resources r) {
        return r == null ? 0 : r.memoryBytes();
    }

    private Map<String, String> environment(LaunchSpec spec, long memLimit) {
        Map<String, String> env = ChildEnvironment.inherited(parentEnv);
        env.putAll(spec.env());
        env.put("PORT", Integer.toString(spec.port()));
        env.put(ENV_INSTANCE_ID, spec.instanceId());
        env.put(ENV_APP, String.valueOf(spec.app()));
        env.put(ENV_NAMESPACE, spec.namespace() == null ? "default" : spec.namespace());
        env.put(ENV_REVISION, Integer.toString(spec.revision()));
        if (memLimit > 0) {
            env.put(ENV_MEMORY_LIMIT, Long.toString(memLimit));
        } else {
            env.remove(ENV_MEMORY_LIMIT);
        }
        env.put(ENV_OWNER, owner);
        return env;
    }

    // ---------------------------------------------------------------- exit

    @Override
    public CompletableFuture<ExitStatus> exit(String instanceId) {
        Tracked t = find(instanceId);
        return t != null ? t.exit
                : CompletableFuture.completedFuture(new ExitStatus(null, 0, "not known to this driver", Instant.now()));
    }

    private Tracked find(String id) {
        Tracked t = live.get(id);
        return t != null ? t : exited.get(id);
    }

    /** Called once per instance: from the JDK's onExit, or from the tick for adopted processes. */
    private void onExit(Tracked t, Integer code) {
        if (abandoned || !t.exitSeen.compareAndSet(false, true)) {
            return;
        }
        if (t.oomReason == null && t.cgroup != null && cgroupOomKilled(t, code)) {
            t.oomReason = "OOMKilled: memory limit " + bytes(t.cgroup.memoryLimit());
        }
        ExitStatus status = statusOf(t, code);
        live.remove(t.id(), t);
        exited.put(t.id(), t);
        if (t.oomReason != null) {
            log.warn("exited {} pid={}: {}", t.who(), t.handle.pid(), status.reason());
        } else {
            log.info("exited {} pid={}: {}", t.who(), t.handle.pid(), status.reason());
        }
        t.exit.complete(status);
        if (t.stopping == null) {
            // whatever the instance left behind (children of a crashed parent) goes with it, then its cgroup
            waiters.execute(() -> {
                killMarked(t, "left behind");
                releaseCgroup(t);
            });
        }
    }

    /**
     * The kernel killed the instance for its cgroup's memory limit: the OOM counter of its group
     * went up and the main process died of SIGKILL (code unknown for an adopted one) that was not
     * ours. A child killed by the OOM killer while the main process lives on, or exits by itself,
     * does not make the instance OOMKilled.
     */
    private boolean cgroupOomKilled(Tracked t, Integer code) {
        if (t.cgroup.memoryLimit() <= 0 || t.stopKilled) {
            return false;
        }
        boolean sigkill = code == null || code == 128 + 9;
        try {
            return sigkill && t.cgroup.oomKilled();
        } catch (RuntimeException e) {
            log.debug("cannot read the OOM counter of {}", t.cgroup.describe(), e);
            return false;
        }
    }

    private void releaseCgroup(Tracked t) {
        if (t.cgroup != null) {
            try {
                cgroups.release(t.cgroup);
            } catch (RuntimeException e) {
                log.warn("cannot remove {} of {}: {}", t.cgroup.describe(), t.who(), e.toString());
            }
        }
    }

    private ExitStatus statusOf(Tracked t, Integer code) {
        int signal = 0;
        String natural;
        if (code == null) {
            natural = "exited (code unknown)";
            if (t.oomReason != null || t.stopKilled) {
                signal = 9;
            }
        } else if (code > 128 && code <= 128 + 64) {
            signal = code - 128;
            natural = signalReason(signal);
        } else {
            natural = "exit code " + code;
        }
        String reason;
        if (t.oomReason != null) {
            reason = t.oomReason;
        } else if (t.stopping != null) {
            reason = t.stopKilled ? "stopped: killed (SIGKILL) after " + seconds(t.stopGraceUsed) + " grace" : "stopped";
        } else {
            reason = natural;
        }
        return new ExitStatus(code, signal, reason, Instant.now());
    }

    static String signalReason(int signal) {
        return switch (signal) {
            case 9 -> "killed (SIGKILL)";
            case 15 -> "terminated (SIGTERM)";
            case 2 -> "interrupted (SIGINT)";
            case 1 -> "hung up (SIGHUP)";
            case 6 -> "killed by signal 6 (SIGABRT)";
            case 11 -> "killed by signal 11 (SIGSEGV)";
            default -> "killed by signal " + signal;
        };
    }

    static String seconds(Duration d) {
        long ms = d.toMillis();
        return ms % 1000 == 0 ? (ms / 1000) + " s" : java.math.BigDecimal.valueOf(ms, 3).stripTrailingZeros().toPlainString() + " s";
    }

    // ---------------------------------------------------------------- stop

    @Override
    public CompletableFuture<ExitStatus> stop(String instanceId, Duration grace) {
        Tracked t = live.get(instanceId);
        if (t == null) {
            return exit(instanceId);
        }
        Duration g = grace == null || grace.isNegative() ? t.stopGrace : grace;
        synchronized (t) {
            if (t.stopping != null) {
                return t.stopping;
            }
            t.stopGraceUsed = g;
            t.stopping = new CompletableFuture<>();
        }
        log.info("stopping {} pid={} grace={}", t.who(), t.handle.pid(), seconds(g));
        waiters.execute(() -> runStop(t, g));
        return t.stopping;
    }

    /**
     * SIGTERM to the process and then its descendants, wait up to the grace for all of them, then
     * SIGKILL whatever is left of the tree; done when the process and its tree are gone.
     */
    private void runStop(Tracked t, Duration grace) {
        try {
            // snapshot first: once the parent dies its children are re-parented and not its descendants
            Set<ProcessHandle> tree = treeOf(t);
            t.handle.destroy();
            tree.stream().filter(h -> h.pid() != t.handle.pid()).forEach(ProcessHandle::destroy);
            long deadline = System.nanoTime() + grace.toNanos();
            while (true) {
                if (isAlive(t.handle)) {
                    t.handle.descendants().forEach(tree::add);
                }
                if (tree.stream().noneMatch(ProcessDriver::isAlive)) {
                    break;
                }
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    t.stopKilled = isAlive(t.handle);
                    tree.addAll(treeOf(t));
                    tree.forEach(ProcessHandle::destroyForcibly);
                    log.info("stop grace of {} over for {}: killed (SIGKILL)", seconds(grace), t.who());
                    break;
                }
                Thread.sleep(Math.min(50, Math.max(1, left / 1_000_000)));
            }
            awaitExit(t);
            killMarked(t, "left after stop");
            releaseCgroup(t);
            t.stopping.complete(t.exit.join());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            t.stopping.completeExceptionally(e);
        } catch (RuntimeException e) {
            log.warn("stopping {} failed", t.who(), e);
            t.stopping.completeExceptionally(e);
        }
    }

    /** Waits for the exit to be noticed; for a process that is not our child, notices it here. */
    private void awaitExit(Tracked t) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (!t.exit.isDone() && System.nanoTime() < deadline) {
            if (t.process == null && !isAlive(t.handle)) {
                onExit(t, null);
            }
            try {
                t.exit.get(20, TimeUnit.MILLISECONDS);
            } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException ignored) {
                // poll again
            }
        }
        if (!t.exit.isDone()) {
            onExit(t, null); // a process that will not die even to SIGKILL (D state): report, do not hang
        }
    }

    /** The process, its descendants now, and every process carrying its markers. */
    private Set<ProcessHandle> treeOf(Tracked t) {
        Set<ProcessHandle> tree = new LinkedHashSet<>();
        tree.add(t.handle);
        t.handle.descendants().forEach(tree::add);
        for (Procfs.Marked m : Procfs.markedWith(ownerEntry)) {
            if (m.instanceId().equals(t.id())) {
                ProcessHandle.of(m.pid()).ifPresent(tree::add);
            }
        }
        return tree;
    }

    /** SIGKILL to every live process that carries this instance's markers. */
    private void killMarked(Tracked t, String why) {
        killMarked(t.id(), t.who(), why);
    }

    private void killMarked(String id, String who, String why) {
        List<ProcessHandle> left = new ArrayList<>();
        for (Procfs.Marked m : Procfs.markedWith(ownerEntry)) {
            if (m.instanceId().equals(id) && !live.containsKey(id)) {
                ProcessHandle.of(m.pid()).filter(ProcessDriver::isAlive).ifPresent(left::add);
            }
        }
        if (!left.isEmpty()) {
            log.info("killing {} process(es) {} by {}: {}", left.size(), why, who,
                    left.stream().map(ProcessHandle::pid).toList());
            left.forEach(ProcessHandle::destroyForcibly);
            awaitGone(left, Duration.ofSeconds(2));
        }
    }

    private static void awaitGone(Collection<ProcessHandle> hs, Duration max) {
        long deadline = System.nanoTime() + max.toNanos();
        try {
            while (hs.stream().anyMatch(ProcessDriver::isAlive) && System.nanoTime() < deadline) {
                Thread.sleep(20);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Alive and not a zombie (an orphan whose reaper has not waited for it yet is gone for us). */
    static boolean isAlive(ProcessHandle h) {
        return h.isAlive() && !Procfs.isZombie(h.pid());
    }

    // ---------------------------------------------------------------- recover and strays

    /**
     * Re-adopts the process {@code persisted} names when it can prove it is that instance:
     * <ol>
     * <li>a process with that pid is alive, and its start time equals the handle's within
     *     {@value #START_TIME_TOLERANCE_MS} ms (a reused pid has a later start time);
     * <li>its {@code /proc/<pid>/environ} holds {@code NURI_INSTANCE_ID=<id>} and
     *     {@code NURI_OWNER=<this driver's owner>}. When environ is unreadable (not Linux, another
     *     user) pid + start time decide alone.
     * </ol>
     * Not provable -> empty, and every process that still carries this instance's markers is
     * killed, so that nothing of it runs. That includes a process that is ours by its markers but
     * has a different start time: it cannot be the process we started (exec keeps the start
     * time), so it is a descendant of the instance that got the recycled pid, i.e. a leftover of
     * an instance whose main process is gone. Adopting it would report a dead instance as
     * running; killing it costs at most one restart. Idempotent: an instance this driver already
     * tracks is returned as it is.
     */
    @Override
    public Optional<InstanceHandle> recover(InstanceHandle persisted) {
        String id = persisted.instanceId();
        if (!NAME.equals(persisted.driver()) || persisted.version() > InstanceHandle.CURRENT_VERSION) {
            log.warn("cannot recover instance={}: handle of driver {} v{}, this is {} v{}", id, persisted.driver(),
                    persisted.version(), NAME, InstanceHandle.CURRENT_VERSION);
            return Optional.empty();
        }
        forkLock.readLock().lock();
        try {
            Tracked known = live.get(id);
            if (known != null) {
                return Optional.of(known.ih);
            }
            Optional<ProcessHandle> ph = ProcessHandle.of(persisted.pid()).filter(ProcessDriver::isAlive);
            Optional<Map<String, String>> env = ph.isPresent() ? Procfs.environ(persisted.pid()) : Optional.empty();
            String why = proofFails(persisted, ph, env);
            if (why != null) {
                log.info("not recovering instance={} pid={}: {}", id, persisted.pid(), why);
                killMarked(id, "instance=" + id, "of an instance that cannot be recovered");
                cgroups.removeStale(id);
                return Optional.empty();
            }
            Map<String, String> e = env.orElse(Map.of());
            long mem = parseLong(e.get(ENV_MEMORY_LIMIT));
            // still in its cgroup, if it had one: nothing to move, only to track for the exit and cleanup
            CgroupLimiter.Group cgroup = FsCgroupLimiter.validName(id)
                    ? cgroups.adopt(id, persisted.pid(), mem).orElse(null) : null;
            Tracked t = new Tracked(persisted, e.getOrDefault(ENV_NAMESPACE, "?"), e.getOrDefault(ENV_APP, "?"),
                    (int) parseLong(e.get(ENV_REVISION)), ph.get(), null, mem, defaultStopGrace, cgroup);
            live.put(id, t);
            exited.remove(id);
            ph.get().onExit().whenComplete((h, err) -> onExit(t, null));
            log.info("recovered {} pid={} port={} (proof: start time{})", t.who(), persisted.pid(), persisted.port(),
                    env.isPresent() ? " + environment markers" : " only, environ unreadable");
            return Optional.of(persisted);
        } finally {
            forkLock.readLock().unlock();
        }
    }

    /** Why the handle does not prove the process is ours, or null when it does. */
    private String proofFails(InstanceHandle h, Optional<ProcessHandle> ph, Optional<Map<String, String>> env) {
        if (ph.isEmpty()) {
            return "no live process with that pid";
        }
        if (env.isPresent()) {
            Map<String, String> e = env.get();
            if (!owner.equals(e.get(ENV_OWNER)) || !h.instanceId().equals(e.get(ENV_INSTANCE_ID))) {
                return e.containsKey(ENV_OWNER)
                        ? "the pid now belongs to " + e.get(ENV_INSTANCE_ID) + " of owner " + e.get(ENV_OWNER)
                        : "the pid now belongs to a process without our markers";
            }
        }
        Optional<Instant> started = ph.get().info().startInstant();
        if (started.isEmpty()) {
            return "its start time is unknown";
        }
        long diff = Math.abs(started.get().toEpochMilli() - h.startTimeMillis());
        if (diff > START_TIME_TOLERANCE_MS) {
            return "it started at " + started.get() + ", the handle says " + Instant.ofEpochMilli(h.startTimeMillis())
                    + " (pid reused)";
        }
        return null;
    }

    private static long parseLong(String s) {
        try {
            return s == null ? 0 : Long.parseLong(s.trim());
        } catch (NumberFormatException e) {
            return 0;
        }
    }

    /**
     * Kills (SIGTERM, SIGKILL after {@link #STRAY_GRACE}) every process carrying this driver's
     * owner marker whose instance id is neither in {@code keep} nor tracked by this driver. An
     * instance being started or recovered right now is tracked before this scan can see it (a
     * lock orders the two), so a concurrent start is never mistaken for a stray. Kept ids that are
     * not tracked are left alone: the caller is expected to recover them (and a failed recover
     * kills them itself). Processes without our owner marker are never touched.
     *
     * @return the instance ids it stopped ("" for marked processes without an instance id)
     */
    @Override
    public Collection<String> reapStrays(Collection<String> keep) {
        Set<String> kept = new java.util.HashSet<>(keep);
        Map<String, List<ProcessHandle>> strays = new java.util.TreeMap<>();
        forkLock.writeLock().lock();
        try {
            kept.addAll(live.keySet());
            for (Procfs.Marked m : Procfs.markedWith(ownerEntry)) {
                if (!kept.contains(m.instanceId())) {
                    ProcessHandle.of(m.pid()).filter(ProcessDriver::isAlive)
                            .ifPresent(h -> strays.computeIfAbsent(m.instanceId(), k -> new ArrayList<>()).add(h));
                }
            }
        } finally {
            forkLock.writeLock().unlock();
        }
        if (strays.isEmpty()) {
            cgroups.removeUnused(kept);
            return List.of();
        }
        List<ProcessHandle> all = new ArrayList<>();
        strays.forEach((id, hs) -> {
            log.warn("reaping stray instance={} pids={} (not kept, not tracked)", id,
                    hs.stream().map(ProcessHandle::pid).toList());
            for (ProcessHandle h : hs) {
                h.descendants().forEach(all::add);
                all.add(h);
            }
        });
        // ProcessHandle checks the start time before signalling: a pid reused meanwhile is safe
        all.forEach(ProcessHandle::destroy);
        awaitGone(all, STRAY_GRACE);
        all.stream().filter(ProcessDriver::isAlive).forEach(ProcessHandle::destroyForcibly);
        awaitGone(all, Duration.ofSeconds(2));
        strays.keySet().stream().filter(FsCgroupLimiter::validName).forEach(cgroups::removeStale);
        cgroups.removeUnused(kept);
        return new TreeSet<>(strays.keySet());
    }

    // ---------------------------------------------------------------- usage, watchdog, rotation

    @Override
    public Optional<ResourceUsage> usage(String instanceId) {
        Tracked t = live.get(instanceId);
        if (t == null) {
            return Optional.empty();
        }
        ResourceUsage u = t.usage;
        if (u == null) {
            synchronized (t) {
                u = t.usage != null ? t.usage : sample(t, null);
            }
        }
        return Optional.ofNullable(u);
    }

    @Override
    public Collection<String> running() {
        return List.copyOf(live.keySet());
    }

    private void tick() {
        if (live.isEmpty()) {
            return;
        }
        Map<Long, List<Long>> children = Procfs.available() ? Procfs.childrenByParent() : null;
        for (Tracked t : live.values()) {
            try {
                if (t.process == null && !isAlive(t.handle)) {
                    onExit(t, null); // the JDK polls non-children slowly (up to 5 s): notice it here
                    continue;
                }
                ResourceUsage u;
                synchronized (t) {
                    u = sample(t, children);
                }
                if (u != null) {
                    watchMemory(t, u.rssBytes());
                }
                LogFiles.rotateIfNeeded(t.ih.logFile(), logMaxBytes, logFiles);
                LogIndex.mark(t.ih.logFile());
            } catch (IOException | RuntimeException e) {
                log.debug("tick for {} failed", t.who(), e);
            }
        }
    }

    /**
     * One reading of the instance's tree: RSS and threads summed, CPU percent from the CPU time
     * each process spent since the previous reading (a process new since then counts its whole
     * time, one that ended drops out). Must hold the Tracked's lock.
     */
    private ResourceUsage sample(Tracked t, Map<Long, List<Long>> children) {
        List<Long> pids = new ArrayList<>();
        pids.add(t.handle.pid());
        if (children != null) {
            Deque<Long> todo = new ArrayDeque<>(List.of(t.handle.pid()));
            while (!todo.isEmpty()) {
                for (long c : children.getOrDefault(todo.poll(), List.of())) {
                    pids.add(c);
                    todo.add(c);
                }
            }
        } else {
            t.handle.descendants().forEach(h -> pids.add(h.pid()));
        }
        long now = System.nanoTime();
        long rss = 0;
        long cpuMs = 0;
        int threads = 0;
        long deltaMs = 0;
        Map<Long, Long> cpuByPid = new HashMap<>();
        for (long pid : pids) {
            OSProcess p = os.getProcess((int) pid);
            if (p == null) {
                continue;
            }
            long c = p.getKernelTime() + p.getUserTime();
            rss += p.getResidentMemory();
            threads += p.getThreadCount();
            cpuMs += c;
            cpuByPid.put(pid, c);
            Long prev = t.prevCpu.get(pid);
            deltaMs += prev != null ? Math.max(0, c - prev) : (t.prevAt == 0 ? 0 : c);
        }
        if (cpuByPid.isEmpty()) {
            return null; // gone between the scan and the reading
        }
        double percent = t.prevAt == 0 ? 0 : deltaMs * 100.0 / Math.max(1, (now - t.prevAt) / 1_000_000.0);
        t.prevCpu = cpuByPid;
        t.prevAt = now;
        ResourceUsage u = new ResourceUsage(percent, rss, cpuMs, threads);
        t.usage = u;
        return u;
    }

    private void watchMemory(Tracked t, long rss) {
        if (t.memLimit <= 0 || t.oomReason != null) {
            return;
        }
        if (rss <= t.memLimit) {
            t.overLimit = 0;
            return;
        }
        if (++t.overLimit < 2) {
            return;
        }
        t.oomReason = "OOMKilled: memory " + bytes(rss) + " over limit " + bytes(t.memLimit);
        log.warn("{}: {}", t.who(), t.oomReason);
        waiters.execute(() -> {
            Set<ProcessHandle> tree = treeOf(t);
            tree.forEach(ProcessHandle::destroyForcibly);
        });
    }

    /** 300Mi, 1Gi, 512Ki: as Kubernetes writes quantities, rounded to the unit. */
    static String bytes(long b) {
        if (b >= (1L << 30) && b % (1L << 30) == 0) {
            return (b >> 30) + "Gi";
        }
        if (b >= (1L << 20)) {
            return Math.round(b / (double) (1L << 20)) + "Mi";
        }
        return Math.round(b / 1024.0) + "Ki";
    }

    // ---------------------------------------------------------------- logs

    /** The live log file of an instance (started, recovered or recently exited); a default path otherwise. */
    public Path logFile(String instanceId) {
        Tracked t = find(instanceId);
        return t != null && t.ih.logFile() != null ? t.ih.logFile()
                : dataDir.resolve("logs").resolve(instanceId + ".log");
    }

    /**
     * Whose log this is, beside it as {@code <id>.log.meta}: the store forgets replaced instances,
     * their logs stay searchable by app and revision until rotation or cleanup removes them.
     */
    private static void writeLogMeta(Path logFile, LaunchSpec spec) throws DriverException {
        java.util.Properties meta = new java.util.Properties();
        meta.setProperty("namespace", String.valueOf(spec.namespace()));
        meta.setProperty("app", String.valueOf(spec.app()));
        meta.setProperty("revision", Integer.toString(spec.revision()));
        Path file = logFile.resolveSibling(logFile.getFileName() + ".meta");
        try (java.io.Writer w = Files.newBufferedWriter(file)) {
            meta.store(w, null);
        } catch (IOException e) {
            throw new DriverException("cannot write " + file + ": " + e.getMessage(), e);
        }
    }

    /**
     * Every log of the app this driver knows: instances tracked now plus those whose
     * {@code .log.meta} names the app in the default log folder (replaced instances included).
     */
    public List<LogSearch.Source> logSources(String namespace, String app) throws IOException {
        Map<String, LogSearch.Source> out = new java.util.TreeMap<>();
        Path dir = dataDir.resolve("logs");
        if (Files.isDirectory(dir)) {
            try (var files = Files.list(dir)) {
                for (Path meta : files.filter(f -> f.getFileName().toString().endsWith(".log.meta")).toList()) {
                    java.util.Properties p = new java.util.Properties();
                    try (java.io.Reader r = Files.newBufferedReader(meta)) {
                        p.load(r);
                    } catch (IOException e) {
                        continue; // removed while listing
                    }
                    if (namespace.equals(p.getProperty("namespace")) && app.equals(p.getProperty("app"))) {
                        String name = meta.getFileName().toString();
                        String id = name.substring(0, name.length() - ".log.meta".length());
                        int revision;
                        try {
                            revision = Integer.parseInt(p.getProperty("revision", "0"));
                        } catch (NumberFormatException e) {
                            revision = 0;
                        }
                        out.put(id, new LogSearch.Source(id, revision, dir.resolve(id + ".log"), logFiles));
                    }
                }
            }
        }
        List<Tracked> known = new ArrayList<>(live.values());
        synchronized (exited) {
            known.addAll(exited.values());
        }
        for (Tracked t : known) {
            if (namespace.equals(t.namespace) && app.equals(t.app) && t.ih.logFile() != null) {
                out.putIfAbsent(t.id(), new LogSearch.Source(t.id(), t.revision, t.ih.logFile(), logFiles));
            }
        }
        return List.copyOf(out.values());
    }

    /** The last {@code lines} lines of the instance's log, reaching into rotated files. */
    public List<String> tail(String instanceId, int lines) throws IOException {
        return LogFiles.tail(logFile(instanceId), lines, logFiles);
    }

    /** A follower of the instance's log from its current end; the caller polls it. */
    public LogFollower follower(String instanceId) {
        return new LogFollower(logFile(instanceId), false);
    }

    /**
     * Delivers every new line of the instance's log to {@code sink} (on a virtual thread, polling
     * every 200 ms) until the returned handle is closed.
     */
    public AutoCloseable follow(String instanceId, Consumer<String> sink) {
        return LogFollower.follow(follower(instanceId), sink);
    }

    // ---------------------------------------------------------------- close

    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        List<Tracked> all = List.copyOf(live.values());
        if (!all.isEmpty()) {
            log.info("stopping {} instance(s) on close", all.size());
        }
        List<CompletableFuture<ExitStatus>> stops = all.stream().map(t -> stop(t.id(), t.stopGrace)).toList();
        Duration longest = all.stream().map(t -> t.stopGrace).max(Duration::compareTo).orElse(Duration.ZERO);
        try {
            CompletableFuture.allOf(stops.toArray(CompletableFuture[]::new))
                    .get(longest.toMillis() + 15_000, TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException e) {
            log.warn("not every instance stopped on close: {}", e.toString());
        }
        ticker.shutdownNow();
        waiters.shutdown();
        try {
            // exits noticed just before close still remove their cgroups there
            waiters.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        cgroups.close();
    }

    /**
     * For tests of recovery: behave as if the platform process died here. Forgets every instance
     * without stopping it and stops observing; the instances keep running.
     */
    void abandonForTest() {
        abandoned = true;
        closed = true;
        ticker.shutdownNow();
        live.clear();
    }

    // ---------------------------------------------------------------- state

    /** One started or adopted instance. Mutable fields are touched by the tick or under its lock. */
    private static final class Tracked {
        final InstanceHandle ih;
        final String namespace;
        final String app;
        final int revision;
        final ProcessHandle handle;
        final Process process; // null when adopted: not our child, exit code unknown
        final long memLimit;
        final Duration stopGrace;
        final CgroupLimiter.Group cgroup; // null: no cgroup (no limit, none usable, or setup failed)
        final CompletableFuture<ExitStatus> exit = new CompletableFuture<>();
        final AtomicBoolean exitSeen = new AtomicBoolean();
        volatile String oomReason;
        volatile CompletableFuture<ExitStatus> stopping;
        volatile Duration stopGraceUsed = Duration.ZERO;
        volatile boolean stopKilled;
        volatile ResourceUsage usage;
        int overLimit;
        Map<Long, Long> prevCpu = Map.of();
        long prevAt;

        Tracked(InstanceHandle ih, String namespace, String app, int revision, ProcessHandle handle, Process process,
                long memLimit, Duration stopGrace, CgroupLimiter.Group cgroup) {
            this.ih = ih;
            this.namespace = namespace;
            this.app = app;
            this.revision = revision;
            this.handle = handle;
            this.process = process;
            this.memLimit = memLimit;
            this.stopGrace = stopGrace;
            this.cgroup = cgroup;
        }

        String id() {
            return ih.instanceId();
        }

        String who() {
            return "app=" + namespace + "/" + app + " revision=" + revision + " instance=" + id();
        }
    }
}
