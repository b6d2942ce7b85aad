package io.nuri.runtime.process;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Kills the processes of ours that no instance claims (see {@link ProcessDriver#reapStrays}), and
 * removes the cgroups nobody uses any more.
 */
final class StrayReaper {
    /** Strays get SIGTERM, then SIGKILL after this. */
    static final Duration STRAY_GRACE = Duration.ofSeconds(2);

    private static final Logger log = LoggerFactory.getLogger(ProcessDriver.class); // the driver's log lines

    private final InstanceTable table;
    private final CgroupLimiter cgroups;
    private final ProcessTrees trees;

    StrayReaper(InstanceTable table, CgroupLimiter cgroups, ProcessTrees trees) {
        this.table = table;
        this.cgroups = cgroups;
        this.trees = trees;
    }

    Collection<String> reapStrays(Collection<String> keep) {
        Set<String> kept = new HashSet<>(keep);
        Map<String, List<ProcessHandle>> strays = new TreeMap<>();
        // exclusive: a start or recover in progress has tracked its process before this scan runs
        table.forkLock().writeLock().lock();
        try {
            kept.addAll(table.liveIds());
            for (Procfs.Marked m : trees.marked()) {
                if (!kept.contains(m.instanceId())) {
                    ProcessHandle.of(m.pid()).filter(ProcessTrees::isAlive)
                            .ifPresent(h -> strays.computeIfAbsent(m.instanceId(), k -> new ArrayList<>()).add(h));
                }
            }
        } finally {
            table.forkLock().writeLock().unlock();
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
        ProcessTrees.awaitGone(all, STRAY_GRACE);
        all.stream().filter(ProcessTrees::isAlive).forEach(ProcessHandle::destroyForcibly);
        ProcessTrees.awaitGone(all, Duration.ofSeconds(2));
        strays.keySet().stream().filter(FsCgroupLimiter::validName).forEach(cgroups::removeStale);
        cgroups.removeUnused(kept);
        return new TreeSet<>(strays.keySet());
    }
}
