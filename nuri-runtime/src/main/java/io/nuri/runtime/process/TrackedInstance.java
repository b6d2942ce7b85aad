package io.nuri.runtime.process;

import io.nuri.runtime.ExitStatus;
import io.nuri.runtime.InstanceHandle;
import io.nuri.runtime.ResourceUsage;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicBoolean;

/** One started or adopted instance. Mutable fields are touched by the tick or under its lock. */
final class TrackedInstance {
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

    TrackedInstance(InstanceHandle ih, String namespace, String app, int revision, ProcessHandle handle,
            Process process, long memLimit, Duration stopGrace, CgroupLimiter.Group cgroup) {
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
