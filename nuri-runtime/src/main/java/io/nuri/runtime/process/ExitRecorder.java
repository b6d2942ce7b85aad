package io.nuri.runtime.process;

import io.nuri.runtime.ExitStatus;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Records an instance's exit, once: its reason (with the cgroup's OOM kill told apart from a
 * plain SIGKILL), the move to the recently exited, the log line, and the cleanup of what it left
 * behind and of its cgroup.
 */
final class ExitRecorder {
    private static final Logger log = LoggerFactory.getLogger(ProcessDriver.class); // the driver's log lines

    private final InstanceTable table;
    private final CgroupLimiter cgroups;
    private final ProcessTrees trees;
    private final Executor waiters;
    private volatile boolean abandoned;

    ExitRecorder(InstanceTable table, CgroupLimiter cgroups, ProcessTrees trees, Executor waiters) {
        this.table = table;
        this.cgroups = cgroups;
        this.trees = trees;
        this.waiters = waiters;
    }

    /** From now on exits are not recorded: the driver behaves as if the platform died. */
    void abandon() {
        abandoned = true;
    }

    /** Called once per instance: from the JDK's onExit, or from the tick for adopted processes. */
    void onExit(TrackedInstance t, Integer code) {
        if (abandoned || !t.exitSeen.compareAndSet(false, true)) {
            return;
        }
        if (t.oomReason == null && t.cgroup != null && cgroupOomKilled(t, code)) {
            t.oomReason = "OOMKilled: memory limit " + Quantities.bytes(t.cgroup.memoryLimit());
        }
        ExitStatus status = ExitReasons.statusOf(t, code);
        table.retire(t);
        if (t.oomReason != null) {
            log.warn("exited {} pid={}: {}", t.who(), t.handle.pid(), status.reason());
        } else {
            log.info("exited {} pid={}: {}", t.who(), t.handle.pid(), status.reason());
        }
        t.exit.complete(status);
        if (t.stopping == null) {
            // whatever the instance left behind (children of a crashed parent) goes with it, then its cgroup
            waiters.execute(() -> {
                trees.killMarked(t, "left behind");
                releaseCgroup(t);
            });
        }
    }

    /** Waits for the exit to be noticed; for a process that is not our child, notices it here. */
    void awaitExit(TrackedInstance t) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (!t.exit.isDone() && System.nanoTime() < deadline) {
            if (t.process == null && !ProcessTrees.isAlive(t.handle)) {
                onExit(t, null);
            }
            try {
                t.exit.get(20, TimeUnit.MILLISECONDS);
            } catch (ExecutionException | TimeoutException ignored) {
                // poll again
            }
        }
        if (!t.exit.isDone()) {
            onExit(t, null); // a process that will not die even to SIGKILL (D state): report, do not hang
        }
    }

    void releaseCgroup(TrackedInstance t) {
        if (t.cgroup != null) {
            try {
                cgroups.release(t.cgroup);
            } catch (RuntimeException e) {
                log.warn("cannot remove {} of {}: {}", t.cgroup.describe(), t.who(), e.toString());
            }
        }
    }

    /**
     * The kernel killed the instance for its cgroup's memory limit: the OOM counter of its group
     * went up and the main process died of SIGKILL (code unknown for an adopted one) that was not
     * ours. A child killed by the OOM killer while the main process lives on, or exits by itself,
     * does not make the instance OOMKilled.
     */
    private boolean cgroupOomKilled(TrackedInstance t, Integer code) {
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
}
