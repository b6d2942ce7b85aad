package io.nuri.runtime.process;

import io.nuri.runtime.ExitStatus;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Stops an instance's whole tree: SIGTERM, the grace, SIGKILL for what is left, then the cleanup.
 * A second stop of the same instance gets the first one's future.
 */
final class InstanceStopper {
    private static final Logger log = LoggerFactory.getLogger(ProcessDriver.class); // the driver's log lines

    private final ProcessTrees trees;
    private final ExitRecorder exits;
    private final Executor waiters;

    InstanceStopper(ProcessTrees trees, ExitRecorder exits, Executor waiters) {
        this.trees = trees;
        this.exits = exits;
        this.waiters = waiters;
    }

    /** {@code grace} null or negative: the instance's own. */
    CompletableFuture<ExitStatus> stop(TrackedInstance t, Duration grace) {
        Duration g = grace == null || grace.isNegative() ? t.stopGrace : grace;
        synchronized (t) {
            if (t.stopping != null) {
                return t.stopping;
            }
            t.stopGraceUsed = g;
            t.stopping = new CompletableFuture<>();
        }
        log.info("stopping {} pid={} grace={}", t.who(), t.handle.pid(), Quantities.seconds(g));
        waiters.execute(() -> runStop(t, g));
        return t.stopping;
    }

    /**
     * SIGTERM to the process and then its descendants, wait up to the grace for all of them, then
     * SIGKILL whatever is left of the tree; done when the process and its tree are gone.
     */
    private void runStop(TrackedInstance t, Duration grace) {
        try {
            // snapshot first: once the parent dies its children are re-parented and not its descendants
            Set<ProcessHandle> tree = trees.treeOf(t);
            t.handle.destroy();
            tree.stream().filter(h -> h.pid() != t.handle.pid()).forEach(ProcessHandle::destroy);
            long deadline = System.nanoTime() + grace.toNanos();
            while (true) {
                if (ProcessTrees.isAlive(t.handle)) {
                    t.handle.descendants().forEach(tree::add);
                }
                if (tree.stream().noneMatch(ProcessTrees::isAlive)) {
                    break;
                }
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    t.stopKilled = ProcessTrees.isAlive(t.handle);
                    tree.addAll(trees.treeOf(t));
                    tree.forEach(ProcessHandle::destroyForcibly);
                    log.info("stop grace of {} over for {}: killed (SIGKILL)", Quantities.seconds(grace), t.who());
                    break;
                }
                Thread.sleep(Math.min(50, Math.max(1, left / 1_000_000)));
            }
            exits.awaitExit(t);
            trees.killMarked(t, "left after stop");
            exits.releaseCgroup(t);
            t.stopping.complete(t.exit.join());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            t.stopping.completeExceptionally(e);
        } catch (RuntimeException e) {
            log.warn("stopping {} failed", t.who(), e);
            t.stopping.completeExceptionally(e);
        }
    }
}
