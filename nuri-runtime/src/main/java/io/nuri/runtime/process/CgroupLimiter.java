package io.nuri.runtime.process;

import java.nio.file.Path;
import java.util.Optional;
import java.util.Set;

/**
 * Enforces an instance's memory (and cpu) limit through a cgroup of its own, when the machine
 * gives the driver a writable cgroup hierarchy; the driver does not care which version.
 *
 * <h2>Layout</h2>
 * Every limited instance gets {@code nuri-<ownerId>/<instanceId>} under the driver's own cgroup
 * (read from {@code /proc/self/cgroup}; the hierarchy root when that is {@code /}). Nothing
 * outside {@code nuri-<ownerId>} is ever written, except that on cgroup v2 the memory (and cpu)
 * controller may have to be enabled in the own cgroup's {@code cgroup.subtree_control} so the
 * children get them. An instance without limits gets no cgroup.
 * <ul>
 * <li>v1: {@code memory.limit_in_bytes} (+ {@code memory.memsw.limit_in_bytes} when the kernel
 *     has and accepts it: no swapping around the limit), {@code cpu.cfs_period_us=100000},
 *     {@code cpu.cfs_quota_us=millis*100}; memory and cpu are separate hierarchies.
 * <li>v2: {@code memory.max}, {@code memory.swap.max=0} and {@code memory.oom.group=1} when
 *     present (the whole instance dies together, as a container does), {@code cpu.max "<quota>
 *     100000"}.
 * </ul>
 *
 * <h2>Cpu is a cap</h2>
 * The spec has one cpu quantity, a request. With a cgroup it becomes a CFS quota equal to it
 * (200m = 20 ms of cpu time per 100 ms): predictable, and one instance cannot starve the others
 * or the platform, at the price of not using idle cores. Without a cgroup cpu is not limited.
 *
 * <h2>The fork-to-move race</h2>
 * The process is moved in right after {@link ProcessBuilder#start} returns, i.e. after exec.
 * Until then (a few milliseconds) it runs in the driver's cgroup: memory it touches there stays
 * charged to the driver's cgroup and a child it forks in that window stays outside. A jar or a
 * shell does nothing of note in its first milliseconds, and the RSS watchdog still covers the
 * whole tree, so this is accepted rather than wrapping every command in a shell that moves
 * itself before exec.
 *
 * <h2>Failure</h2>
 * Setup never fails a start: a failing write is logged as a WARN once per reason and the
 * instance runs with the heap size and the RSS watchdog only.
 */
interface CgroupLimiter {

    /** The cgroup(s) of one instance incarnation. */
    interface Group {
        String instanceId();

        /** Moves the process in (it writes its pid to {@code cgroup.procs}). */
        void attach(long pid) throws java.io.IOException;

        /** True when the kernel's OOM killer killed a process in this group since it was made for this incarnation. */
        boolean oomKilled();

        /** Memory limit in bytes, 0 when only cpu is limited. */
        long memoryLimit();

        /** The memory cgroup directory, empty when only cpu is limited. */
        Optional<Path> memoryDir();

        /** The cpu cgroup directory (the same as memory's on v2), empty when cpu is not limited. */
        Optional<Path> cpuDir();

        /** For logs: "cgroup v1 memory=/sys/fs/cgroup/memory/.../nuri-x/web-1". */
        String describe();
    }

    /** False for the no-op limiter. */
    boolean active();

    /** One line for the start log: what enforces limits, and why not a cgroup when none is used. */
    String describe();

    /**
     * The group for a new incarnation of {@code instanceId}, made and limited; empty when neither
     * limit is set or setup failed (then logged, once per reason).
     */
    Optional<Group> create(String instanceId, long memoryBytes, long cpuMillis);

    /** The group an adopted process still runs in: nothing is moved, it is only tracked for cleanup. */
    Optional<Group> adopt(String instanceId, long pid, long memoryBytes);

    /**
     * Removes the group's directories, once the instance's main process is gone. Whatever still
     * runs in them is a leftover of that instance and is killed; rmdir is retried briefly, as
     * the kernel lets go of a cgroup only when its processes are gone. Directories that a newer
     * incarnation of the same instance uses are left alone. Idempotent.
     */
    void release(Group group);

    /** Like {@link #release} for an instance nothing tracks (a failed recover, a reaped stray). */
    void removeStale(String instanceId);

    /** One rmdir attempt for every empty instance group whose id is neither kept nor tracked. */
    void removeUnused(Set<String> keep);

    /** Removes the {@code nuri-<ownerId>} parent(s) if empty. */
    void close();

    /**
     * The limiter for this machine: cgroup v2 when {@code /sys/fs/cgroup/cgroup.controllers}
     * exists, else v1, else (or when {@code enabled} is false) the no-op one.
     */
    static CgroupLimiter detect(String ownerId, boolean enabled) {
        if (!enabled) {
            return new NoOp("cgroups disabled by configuration");
        }
        return FsCgroupLimiter.detect(Path.of("/sys/fs/cgroup"), Path.of("/proc/self/cgroup"), ownerId);
    }

    /** No cgroups: limits are the heap size and the RSS watchdog. */
    record NoOp(String why) implements CgroupLimiter {
        @Override
        public boolean active() {
            return false;
        }

        @Override
        public String describe() {
            return "not using cgroups (" + why + ")";
        }

        @Override
        public Optional<Group> create(String instanceId, long memoryBytes, long cpuMillis) {
            return Optional.empty();
        }

        @Override
        public Optional<Group> adopt(String instanceId, long pid, long memoryBytes) {
            return Optional.empty();
        }

        @Override
        public void release(Group group) {}

        @Override
        public void removeStale(String instanceId) {}

        @Override
        public void removeUnused(Set<String> keep) {}

        @Override
        public void close() {}
    }
}
