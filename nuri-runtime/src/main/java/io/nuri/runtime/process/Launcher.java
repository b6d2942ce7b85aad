package io.nuri.runtime.process;

import io.nuri.runtime.DriverException;
import io.nuri.runtime.InstanceHandle;
import io.nuri.runtime.LaunchErrors;
import io.nuri.runtime.LaunchSpec;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Starts an instance: forks its {@link LaunchCommand}, moves it into a cgroup of its own when it
 * has limits and the machine allows, and tracks it while holding the fork lock shared, so that
 * the stray scan (which holds it exclusively) never sees one of our processes untracked.
 */
final class Launcher {
    private static final Logger log = LoggerFactory.getLogger(ProcessDriver.class); // the driver's log lines

    private final Path dataDir;
    private final Path javaExecutable;
    private final Map<String, String> parentEnv;
    private final String owner;
    private final Duration defaultStopGrace;
    private final InstanceTable table;
    private final CgroupLimiter cgroups;
    private final ExitRecorder exits;
    private final AtomicBoolean attachWarned = new AtomicBoolean();

    Launcher(ProcessDriverBuilder b, Path dataDir, String owner, InstanceTable table, CgroupLimiter cgroups,
            ExitRecorder exits) {
        this.dataDir = dataDir;
        this.javaExecutable = b.javaExecutable;
        this.parentEnv = b.parentEnv;
        this.owner = owner;
        this.defaultStopGrace = b.defaultStopGrace;
        this.table = table;
        this.cgroups = cgroups;
        this.exits = exits;
    }

    InstanceHandle start(LaunchSpec spec) throws DriverException {
        String id = spec.instanceId();
        if (id == null || id.isBlank() || id.contains("/") || id.contains("\0")) {
            throw new DriverException("invalid instance id: " + id);
        }
        LaunchCommand cmd = LaunchCommand.prepare(spec, dataDir, javaExecutable, parentEnv, owner);
        ProcessBuilder pb = cmd.processBuilder();

        table.forkLock().readLock().lock();
        try {
            if (!table.beginStart(id)) {
                throw new DriverException("instance " + id + " is already starting");
            }
            try {
                if (table.isLive(id)) {
                    throw new DriverException("instance " + id + " is already running");
                }
                CgroupLimiter.Group cgroup = cmd.memLimit() > 0 || cmd.cpuMillis() > 0
                        ? cgroups.create(id, cmd.memLimit(), cmd.cpuMillis()).orElse(null) : null;
                Process p;
                try {
                    p = pb.start();
                } catch (IOException e) {
                    if (cgroup != null) {
                        cgroups.release(cgroup);
                    }
                    throw new DriverException("cannot start " + cmd.argv().get(0) + ": " + LaunchErrors.reason(e), e);
                }
                cgroup = attach(cgroup, p.pid());
                long startMillis = p.info().startInstant().map(Instant::toEpochMilli).orElseGet(System::currentTimeMillis);
                InstanceHandle handle = new InstanceHandle(InstanceHandle.CURRENT_VERSION, ProcessDriver.NAME, id, p.pid(),
                        startMillis, spec.port(), cmd.logFile());
                TrackedInstance t = new TrackedInstance(handle, spec.namespace(), spec.app(), spec.revision(),
                        p.toHandle(), p, cmd.memLimit(), spec.stopGrace() != null ? spec.stopGrace() : defaultStopGrace,
                        cgroup);
                table.track(t);
                log.info("started app={}/{} revision={} instance={} pid={} port={} log={} cmd={}{}", spec.namespace(),
                        spec.app(), spec.revision(), id, p.pid(), spec.port(), cmd.logFile(), cmd.argv(),
                        cgroup == null ? "" : " in " + cgroup.describe());
                p.onExit().whenComplete((done, err) -> exits.onExit(t, err == null ? done.exitValue() : null));
                return handle;
            } finally {
                table.endStart(id);
            }
        } finally {
            table.forkLock().readLock().unlock();
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
}
