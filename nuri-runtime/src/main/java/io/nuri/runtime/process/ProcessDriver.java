package io.nuri.runtime.process;

import io.nuri.runtime.Driver;
import io.nuri.runtime.DriverException;
import io.nuri.runtime.ExitStatus;
import io.nuri.runtime.InstanceHandle;
import io.nuri.runtime.LaunchSpec;
import io.nuri.runtime.ResourceUsage;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.time.Instant;
import java.util.Collection;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

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
 * {@link #recover} adopts a process only if pid, start time (within {@value InstanceRecovery#START_TIME_TOLERANCE_MS}
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
 *
 * <h2>Where the code is</h2>
 * This class is the entry and the sampling tick; one package-private class per concern does the
 * work: {@link LaunchCommand} (command line, heap size, environment, folders) and {@link Launcher}
 * (fork, cgroup, tracking); {@link InstanceStopper}; {@link ExitRecorder} and {@link ExitReasons};
 * {@link InstanceRecovery} and {@link StrayReaper}; {@link UsageSampler} and
 * {@link MemoryWatchdog}; {@link InstanceLogs}; with {@link InstanceTable},
 * {@link TrackedInstance} and {@link ProcessTrees} between them.
 */
public final class ProcessDriver implements Driver {
    public static final String NAME = "process";
    public static final String ENV_INSTANCE_ID = "NURI_INSTANCE_ID";
    public static final String ENV_OWNER = "NURI_OWNER";
    public static final String ENV_APP = "NURI_APP";
    public static final String ENV_NAMESPACE = "NURI_NAMESPACE";
    public static final String ENV_REVISION = "NURI_REVISION";
    public static final String ENV_MEMORY_LIMIT = "NURI_MEMORY_LIMIT";

    private static final Logger log = LoggerFactory.getLogger(ProcessDriver.class);

    private final Path dataDir;
    private final long logMaxBytes;
    private final int logFiles;
    private final String owner;

    private final InstanceTable table = new InstanceTable();
    private final ScheduledExecutorService ticker;
    /** Virtual threads for what waits on processes: stops, OOM kills, the cleanup after an exit. */
    private final ExecutorService waiters = Executors.newVirtualThreadPerTaskExecutor();
    private final CgroupLimiter cgroups;
    private final ProcessTrees trees;
    private final ExitRecorder exits;
    private final Launcher launcher;
    private final InstanceStopper stopper;
    private final InstanceRecovery recovery;
    private final StrayReaper reaper;
    private final UsageSampler sampler;
    private final MemoryWatchdog watchdog;
    private final InstanceLogs logs;
    private volatile boolean closed;

    ProcessDriver(ProcessDriverBuilder b, Path realDataDir) {
        this.dataDir = realDataDir;
        this.logMaxBytes = b.logMaxBytes;
        this.logFiles = b.logFiles;
        Duration sampleInterval = b.sampleInterval;
        this.owner = ownerOf(realDataDir);
        this.sampler = new UsageSampler();
        this.cgroups = CgroupLimiter.detect(owner, b.cgroups);
        this.trees = new ProcessTrees(owner, table);
        this.exits = new ExitRecorder(table, cgroups, trees, waiters);
        this.launcher = new Launcher(b, realDataDir, owner, table, cgroups, exits);
        this.stopper = new InstanceStopper(trees, exits, waiters);
        this.recovery = new InstanceRecovery(owner, b.defaultStopGrace, table, cgroups, trees, exits);
        this.reaper = new StrayReaper(table, cgroups, trees);
        this.watchdog = new MemoryWatchdog(trees, waiters);
        this.logs = new InstanceLogs(realDataDir, logFiles, table);
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
        return Optional.ofNullable(table.live(instanceId)).map(t -> t.cgroup);
    }

    // ---------------------------------------------------------------- start, exit, stop

    @Override
    public InstanceHandle start(LaunchSpec spec) throws DriverException {
        if (closed) {
            throw new DriverException("driver is closed");
        }
        return launcher.start(spec);
    }

    @Override
    public CompletableFuture<ExitStatus> exit(String instanceId) {
        TrackedInstance t = table.find(instanceId);
        return t != null ? t.exit
                : CompletableFuture.completedFuture(new ExitStatus(null, 0, "not known to this driver", Instant.now()));
    }

    @Override
    public CompletableFuture<ExitStatus> stop(String instanceId, Duration grace) {
        TrackedInstance t = table.live(instanceId);
        if (t == null) {
            return exit(instanceId);
        }
        return stopper.stop(t, grace);
    }

    // ---------------------------------------------------------------- recover and strays

    /**
     * Re-adopts the process {@code persisted} names when it can prove it is that instance:
     * <ol>
     * <li>a process with that pid is alive, and its start time equals the handle's within
     *     {@value InstanceRecovery#START_TIME_TOLERANCE_MS} ms (a reused pid has a later start time);
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
        return recovery.recover(persisted);
    }

    /**
     * Kills (SIGTERM, SIGKILL after {@link StrayReaper#STRAY_GRACE}) every process carrying this driver's
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
        return reaper.reapStrays(keep);
    }

    // ---------------------------------------------------------------- usage and the tick

    @Override
    public Optional<ResourceUsage> usage(String instanceId) {
        TrackedInstance t = table.live(instanceId);
        if (t == null) {
            return Optional.empty();
        }
        return Optional.ofNullable(sampler.current(t));
    }

    @Override
    public Collection<String> running() {
        return List.copyOf(table.liveIds());
    }

    /** Every sample interval: exits of adopted processes, usage, the memory watchdog, log rotation. */
    private void tick() {
        if (table.noneLive()) {
            return;
        }
        Map<Long, List<Long>> children = Procfs.available() ? Procfs.childrenByParent() : null;
        for (TrackedInstance t : table.liveInstances()) {
            try {
                if (t.process == null && !ProcessTrees.isAlive(t.handle)) {
                    exits.onExit(t, null); // the JDK polls non-children slowly (up to 5 s): notice it here
                    continue;
                }
                ResourceUsage u;
                synchronized (t) {
                    u = sampler.sample(t, children);
                }
                if (u != null) {
                    watchdog.check(t, u.rssBytes());
                }
                LogFiles.rotateIfNeeded(t.ih.logFile(), logMaxBytes, logFiles);
                LogIndex.mark(t.ih.logFile());
            } catch (IOException | RuntimeException e) {
                log.debug("tick for {} failed", t.who(), e);
            }
        }
    }

    // ---------------------------------------------------------------- logs

    /** The live log file of an instance (started, recovered or recently exited); a default path otherwise. */
    public Path logFile(String instanceId) {
        return logs.logFile(instanceId);
    }

    /**
     * Every log of the app this driver knows: instances tracked now plus those whose
     * {@code .log.meta} names the app in the default log folder (replaced instances included).
     */
    public List<LogSearch.Source> logSources(String namespace, String app) throws IOException {
        return logs.sources(namespace, app);
    }

    /** The last {@code lines} lines of the instance's log, reaching into rotated files. */
    public List<String> tail(String instanceId, int lines) throws IOException {
        return logs.tail(instanceId, lines);
    }

    /** A follower of the instance's log from its current end; the caller polls it. */
    public LogFollower follower(String instanceId) {
        return logs.follower(instanceId);
    }

    /**
     * Delivers every new line of the instance's log to {@code sink} (on a virtual thread, polling
     * every 200 ms) until the returned handle is closed.
     */
    public AutoCloseable follow(String instanceId, Consumer<String> sink) {
        return logs.follow(instanceId, sink);
    }

    // ---------------------------------------------------------------- close

    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        List<TrackedInstance> all = List.copyOf(table.liveInstances());
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
        } catch (ExecutionException | TimeoutException e) {
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
        exits.abandon();
        closed = true;
        ticker.shutdownNow();
        table.forgetLive();
    }
}
