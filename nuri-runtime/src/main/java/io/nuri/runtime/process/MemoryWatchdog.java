package io.nuri.runtime.process;

import java.util.Set;
import java.util.concurrent.Executor;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Kills an instance's tree with SIGKILL after two readings in a row over its memory limit: two,
 * not one, so that a short spike during a GC does not kill. The whole enforcement where there is
 * no cgroup, the fallback where there is one.
 */
final class MemoryWatchdog {
    private static final Logger log = LoggerFactory.getLogger(ProcessDriver.class); // the driver's log lines

    private final ProcessTrees trees;
    private final Executor waiters;

    MemoryWatchdog(ProcessTrees trees, Executor waiters) {
        this.trees = trees;
        this.waiters = waiters;
    }

    /** Called by the tick with each reading; the instance's exit then reads as OOMKilled. */
    void check(TrackedInstance t, long rss) {
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
        t.oomReason = "OOMKilled: memory " + Quantities.bytes(rss) + " over limit " + Quantities.bytes(t.memLimit);
        log.warn("{}: {}", t.who(), t.oomReason);
        waiters.execute(() -> {
            Set<ProcessHandle> tree = trees.treeOf(t);
            tree.forEach(ProcessHandle::destroyForcibly);
        });
    }
}
