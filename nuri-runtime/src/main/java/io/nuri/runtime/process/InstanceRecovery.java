package io.nuri.runtime.process;

import io.nuri.runtime.InstanceHandle;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Re-adopts an instance's process after a platform restart from its persisted handle when pid,
 * start time and markers prove it is that instance; otherwise kills what is left of it. See
 * {@link ProcessDriver#recover} for the proof.
 */
final class InstanceRecovery {
    /**
     * The JDK reports a start time as boot time + the kernel's start tick (10 ms jiffies), and
     * takes boot time from /proc/stat in whole seconds when it starts; a platform restarted after
     * the wall clock stepped can therefore see the same process up to a second apart. A reused
     * pid within that second of the original start is not a practical risk, and when
     * /proc/PID/environ is readable the markers prove identity anyway.
     */
    static final long START_TIME_TOLERANCE_MS = 1000;

    private static final Logger log = LoggerFactory.getLogger(ProcessDriver.class); // the driver's log lines

    private final String owner;
    private final Duration defaultStopGrace;
    private final InstanceTable table;
    private final CgroupLimiter cgroups;
    private final ProcessTrees trees;
    private final ExitRecorder exits;

    InstanceRecovery(String owner, Duration defaultStopGrace, InstanceTable table, CgroupLimiter cgroups,
            ProcessTrees trees, ExitRecorder exits) {
        this.owner = owner;
        this.defaultStopGrace = defaultStopGrace;
        this.table = table;
        this.cgroups = cgroups;
        this.trees = trees;
        this.exits = exits;
    }

    Optional<InstanceHandle> recover(InstanceHandle persisted) {
        String id = persisted.instanceId();
        if (!ProcessDriver.NAME.equals(persisted.driver()) || persisted.version() > InstanceHandle.CURRENT_VERSION) {
            log.warn("cannot recover instance={}: handle of driver {} v{}, this is {} v{}", id, persisted.driver(),
                    persisted.version(), ProcessDriver.NAME, InstanceHandle.CURRENT_VERSION);
            return Optional.empty();
        }
        table.forkLock().readLock().lock();
        try {
            TrackedInstance known = table.live(id);
            if (known != null) {
                return Optional.of(known.ih);
            }
            Optional<ProcessHandle> ph = ProcessHandle.of(persisted.pid()).filter(ProcessTrees::isAlive);
            Optional<Map<String, String>> env = ph.isPresent() ? Procfs.environ(persisted.pid()) : Optional.empty();
            String why = proofFails(persisted, ph, env);
            if (why != null) {
                log.info("not recovering instance={} pid={}: {}", id, persisted.pid(), why);
                trees.killMarked(id, "instance=" + id, "of an instance that cannot be recovered");
                cgroups.removeStale(id);
                return Optional.empty();
            }
            Map<String, String> e = env.orElse(Map.of());
            long mem = parseLong(e.get(ProcessDriver.ENV_MEMORY_LIMIT));
            // still in its cgroup, if it had one: nothing to move, only to track for the exit and cleanup
            CgroupLimiter.Group cgroup = FsCgroupLimiter.validName(id)
                    ? cgroups.adopt(id, persisted.pid(), mem).orElse(null) : null;
            TrackedInstance t = new TrackedInstance(persisted, e.getOrDefault(ProcessDriver.ENV_NAMESPACE, "?"),
                    e.getOrDefault(ProcessDriver.ENV_APP, "?"), (int) parseLong(e.get(ProcessDriver.ENV_REVISION)),
                    ph.get(), null, mem, defaultStopGrace, cgroup);
            table.track(t);
            ph.get().onExit().whenComplete((h, err) -> exits.onExit(t, null));
            log.info("recovered {} pid={} port={} (proof: start time{})", t.who(), persisted.pid(), persisted.port(),
                    env.isPresent() ? " + environment markers" : " only, environ unreadable");
            return Optional.of(persisted);
        } finally {
            table.forkLock().readLock().unlock();
        }
    }

    /** Why the handle does not prove the process is ours, or null when it does. */
    private String proofFails(InstanceHandle h, Optional<ProcessHandle> ph, Optional<Map<String, String>> env) {
        if (ph.isEmpty()) {
            return "no live process with that pid";
        }
        if (env.isPresent()) {
            Map<String, String> e = env.get();
            if (!owner.equals(e.get(ProcessDriver.ENV_OWNER)) || !h.instanceId().equals(e.get(ProcessDriver.ENV_INSTANCE_ID))) {
                return e.containsKey(ProcessDriver.ENV_OWNER)
                        ? "the pid now belongs to " + e.get(ProcessDriver.ENV_INSTANCE_ID) + " of owner "
                                + e.get(ProcessDriver.ENV_OWNER)
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
}
