package io.nuri.runtime.process;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * An instance's processes: its main process, that one's descendants, and every process carrying
 * the instance's markers (which also finds children re-parented to init when their parent died).
 * Only processes with this driver's owner marker are ever signalled.
 */
final class ProcessTrees {
    private static final Logger log = LoggerFactory.getLogger(ProcessDriver.class); // the driver's log lines

    private final String ownerEntry;
    private final InstanceTable table;

    ProcessTrees(String owner, InstanceTable table) {
        this.ownerEntry = ProcessDriver.ENV_OWNER + "=" + owner;
        this.table = table;
    }

    /** Every live process carrying this driver's owner marker. */
    List<Procfs.Marked> marked() {
        return Procfs.markedWith(ownerEntry);
    }

    /** The process, its descendants now, and every process carrying its markers. */
    Set<ProcessHandle> treeOf(TrackedInstance t) {
        Set<ProcessHandle> tree = new LinkedHashSet<>();
        tree.add(t.handle);
        t.handle.descendants().forEach(tree::add);
        for (Procfs.Marked m : marked()) {
            if (m.instanceId().equals(t.id())) {
                ProcessHandle.of(m.pid()).ifPresent(tree::add);
            }
        }
        return tree;
    }

    /** SIGKILL to every live process that carries this instance's markers. */
    void killMarked(TrackedInstance t, String why) {
        killMarked(t.id(), t.who(), why);
    }

    void killMarked(String id, String who, String why) {
        List<ProcessHandle> left = new ArrayList<>();
        for (Procfs.Marked m : marked()) {
            if (m.instanceId().equals(id) && !table.isLive(id)) {
                ProcessHandle.of(m.pid()).filter(ProcessTrees::isAlive).ifPresent(left::add);
            }
        }
        if (!left.isEmpty()) {
            log.info("killing {} process(es) {} by {}: {}", left.size(), why, who,
                    left.stream().map(ProcessHandle::pid).toList());
            left.forEach(ProcessHandle::destroyForcibly);
            awaitGone(left, Duration.ofSeconds(2));
        }
    }

    static void awaitGone(Collection<ProcessHandle> hs, Duration max) {
        long deadline = System.nanoTime() + max.toNanos();
        try {
            while (hs.stream().anyMatch(ProcessTrees::isAlive) && System.nanoTime() < deadline) {
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
}
