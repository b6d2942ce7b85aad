package io.nuri.runtime.process;

import io.nuri.runtime.ResourceUsage;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import oshi.SystemInfo;
import oshi.software.os.OSProcess;
import oshi.software.os.OperatingSystem;

/**
 * Reads an instance's whole tree from the OS: RSS, threads and CPU time summed, CPU percent since
 * the previous reading. The instance keeps its last reading, which is what usage answers.
 */
final class UsageSampler {
    private final OperatingSystem os = new SystemInfo().getOperatingSystem();

    /** The last reading, or a first one taken now. */
    ResourceUsage current(TrackedInstance t) {
        ResourceUsage u = t.usage;
        if (u == null) {
            synchronized (t) {
                u = t.usage != null ? t.usage : sample(t, null);
            }
        }
        return u;
    }

    /**
     * One reading of the instance's tree: RSS and threads summed, CPU percent from the CPU time
     * each process spent since the previous reading (a process new since then counts its whole
     * time, one that ended drops out). Must hold the instance's lock.
     *
     * @param children pids by parent pid from one /proc scan, or null to ask the JDK per process
     * @return null when the tree is gone
     */
    ResourceUsage sample(TrackedInstance t, Map<Long, List<Long>> children) {
        List<Long> pids = new ArrayList<>();
        pids.add(t.handle.pid());
        if (children != null) {
            Deque<Long> todo = new ArrayDeque<>(List.of(t.handle.pid()));
            while (!todo.isEmpty()) {
                for (long c : children.getOrDefault(todo.poll(), List.of())) {
                    pids.add(c);
                    todo.add(c);
                }
            }
        } else {
            t.handle.descendants().forEach(h -> pids.add(h.pid()));
        }
        long now = System.nanoTime();
        long rss = 0;
        long cpuMs = 0;
        int threads = 0;
        long deltaMs = 0;
        Map<Long, Long> cpuByPid = new HashMap<>();
        for (long pid : pids) {
            OSProcess p = os.getProcess((int) pid);
            if (p == null) {
                continue;
            }
            long c = p.getKernelTime() + p.getUserTime();
            rss += p.getResidentMemory();
            threads += p.getThreadCount();
            cpuMs += c;
            cpuByPid.put(pid, c);
            Long prev = t.prevCpu.get(pid);
            deltaMs += prev != null ? Math.max(0, c - prev) : (t.prevAt == 0 ? 0 : c);
        }
        if (cpuByPid.isEmpty()) {
            return null; // gone between the scan and the reading
        }
        double percent = t.prevAt == 0 ? 0 : deltaMs * 100.0 / Math.max(1, (now - t.prevAt) / 1_000_000.0);
        t.prevCpu = cpuByPid;
        t.prevAt = now;
        ResourceUsage u = new ResourceUsage(percent, rss, cpuMs, threads);
        t.usage = u;
        return u;
    }
}
