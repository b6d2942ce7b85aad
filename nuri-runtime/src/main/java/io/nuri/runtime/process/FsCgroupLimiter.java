package io.nuri.runtime.process;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@link CgroupLimiter} over the cgroup file system, v1 or v2. Paths: {@code memParent} and
 * {@code cpuParent} are the {@code nuri-<ownerId>} folders (the same one on v2), made at the
 * first limited start. All group changes hold this object's lock, so a removal of an old
 * incarnation and the creation of the next one of the same instance never interleave.
 */
final class FsCgroupLimiter implements CgroupLimiter {
    private static final Logger log = LoggerFactory.getLogger(FsCgroupLimiter.class);
    static final long CPU_PERIOD_US = 100_000;
    /** The kernel refuses a CFS quota below 1 ms. */
    static final long CPU_MIN_QUOTA_US = 1_000;
    static final long REMOVE_RETRY_MS = 2_000;

    private final int version;
    private final Path memParent; // null: memory not usable
    private final Path cpuParent; // null: cpu not usable
    private final Path v2Own; // v2 only: the own cgroup, whose subtree_control may need +memory/+cpu
    private final String notes; // why cpu (or memory) is not limited, for describe()
    private final Map<String, Fs> groups = new HashMap<>();
    private final Set<String> warned = ConcurrentHashMap.newKeySet();

    private FsCgroupLimiter(int version, Path memParent, Path cpuParent, Path v2Own, String notes) {
        this.version = version;
        this.memParent = memParent;
        this.cpuParent = cpuParent;
        this.v2Own = v2Own;
        this.notes = notes;
    }

    // ---------------------------------------------------------------- detection

    /** One line of /proc/self/cgroup: {@code 4:memory:/path} (v1) or {@code 0::/path} (v2). */
    record Line(List<String> controllers, String path) {}

    static List<Line> parse(String procSelfCgroup) {
        List<Line> out = new ArrayList<>();
        for (String l : procSelfCgroup.split("\n")) {
            String[] f = l.split(":", 3);
            if (f.length == 3 && f[2].startsWith("/")) {
                out.add(new Line(f[1].isEmpty() ? List.of() : List.of(f[1].split(",")), f[2].trim()));
            }
        }
        return out;
    }

    static CgroupLimiter detect(Path root, Path procSelfCgroup, String ownerId) {
        String self;
        try {
            self = Files.readString(procSelfCgroup, StandardCharsets.UTF_8);
        } catch (IOException | RuntimeException e) {
            return new NoOp("cannot read " + procSelfCgroup + ": " + e);
        }
        List<Line> lines = parse(self);
        String parentName = "nuri-" + ownerId;
        if (Files.exists(root.resolve("cgroup.controllers"))) {
            return detectV2(root, lines, parentName);
        }
        if (!Files.isDirectory(root)) {
            return new NoOp("no cgroup file system at " + root);
        }
        // v1: each controller has a hierarchy of its own
        String[] why = new String[1];
        Path mem = v1Dir(root, lines, "memory", why);
        String memWhy = why[0];
        Path cpu = v1Dir(root, lines, "cpu", why);
        String cpuWhy = why[0];
        if (mem == null && cpu == null) {
            return new NoOp("cgroup v1: " + memWhy + "; " + cpuWhy);
        }
        String notes = mem == null ? "memory not limited by cgroup: " + memWhy
                : cpu == null ? "cpu not limited: " + cpuWhy : "";
        return new FsCgroupLimiter(1, mem == null ? null : mem.resolve(parentName),
                cpu == null ? null : cpu.resolve(parentName), null, notes);
    }

    /** The writable own cgroup of a v1 controller, or null with why[0] set. */
    private static Path v1Dir(Path root, List<Line> lines, String controller, String[] why) {
        Line line = lines.stream().filter(l -> l.controllers().contains(controller)).findFirst().orElse(null);
        if (line == null) {
            why[0] = "no " + controller + " controller in /proc/self/cgroup";
            return null;
        }
        Path hierarchy = root.resolve(controller);
        if (!Files.isDirectory(hierarchy)) {
            hierarchy = root.resolve(String.join(",", line.controllers()));
        }
        if (!Files.isDirectory(hierarchy)) {
            why[0] = "no " + controller + " hierarchy mounted under " + root;
            return null;
        }
        Path own = hierarchy.resolve(line.path().substring(1));
        if (!Files.isDirectory(own)) {
            why[0] = "own " + controller + " cgroup " + line.path() + " not found under " + hierarchy;
            return null;
        }
        if (!Files.isWritable(own)) {
            why[0] = own + " is not writable (no delegation to this user)";
            return null;
        }
        return own;
    }

    private static CgroupLimiter detectV2(Path root, List<Line> lines, String parentName) {
        Line line = lines.stream().filter(l -> l.controllers().isEmpty()).findFirst().orElse(null);
        if (line == null) {
            return new NoOp("cgroup v2: no 0:: line in /proc/self/cgroup");
        }
        Path own = root.resolve(line.path().substring(1));
        if (!Files.isDirectory(own)) {
            return new NoOp("cgroup v2: own cgroup " + line.path() + " not found under " + root);
        }
        Set<String> available = words(own.resolve("cgroup.controllers"));
        Set<String> enabled = words(own.resolve("cgroup.subtree_control"));
        boolean writable = Files.isWritable(own);
        if (!writable) {
            return new NoOp("cgroup v2: " + own + " is not writable (no delegation to this user)");
        }
        if (!available.contains("memory")) {
            return new NoOp("cgroup v2: the memory controller is not available in " + own);
        }
        boolean cpu = available.contains("cpu");
        String notes = cpu ? "" : "cpu not limited: the cpu controller is not available in " + own;
        if (!enabled.contains("memory") && !Files.isWritable(own.resolve("cgroup.subtree_control"))) {
            return new NoOp("cgroup v2: memory is not enabled in " + own + "/cgroup.subtree_control and cannot be");
        }
        Path parent = own.resolve(parentName);
        return new FsCgroupLimiter(2, parent, cpu ? parent : null, own, notes);
    }

    private static Set<String> words(Path file) {
        try {
            return Set.of(Files.readString(file).trim().split("\\s+"));
        } catch (IOException | RuntimeException e) {
            return Set.of();
        }
    }

    // ---------------------------------------------------------------- limiter

    @Override
    public boolean active() {
        return true;
    }

    @Override
    public String describe() {
        StringBuilder b = new StringBuilder("cgroup v").append(version);
        if (memParent != null) {
            b.append(" memory under ").append(memParent);
        }
        if (cpuParent != null && (version == 1 || memParent == null)) {
            b.append(" cpu under ").append(cpuParent);
        } else if (cpuParent != null) {
            b.append(" (+cpu)");
        }
        if (!notes.isEmpty()) {
            b.append("; ").append(notes);
        }
        return b.toString();
    }

    @Override
    public synchronized Optional<Group> create(String instanceId, long memoryBytes, long cpuMillis) {
        requireName(instanceId);
        boolean mem = memoryBytes > 0 && memParent != null;
        boolean cpu = cpuMillis > 0 && cpuParent != null;
        if (!mem && !cpu) {
            return Optional.empty();
        }
        List<Path> made = new ArrayList<>();
        try {
            if (version == 2) {
                enableV2(mem, cpu);
            }
            Path memDir = null;
            Path cpuDir = null;
            if (mem) {
                memDir = freshDir(memParent, instanceId, made);
                if (version == 1) {
                    write(memDir.resolve("memory.limit_in_bytes"), Long.toString(memoryBytes));
                    Path memsw = memDir.resolve("memory.memsw.limit_in_bytes");
                    if (Files.exists(memsw)) {
                        try {
                            write(memsw, Long.toString(memoryBytes));
                        } catch (IOException e) {
                            log.debug("{} not accepted: {}", memsw, e.toString());
                        }
                    }
                } else {
                    write(memDir.resolve("memory.max"), Long.toString(memoryBytes));
                    writeIfPresent(memDir.resolve("memory.swap.max"), "0");
                    writeIfPresent(memDir.resolve("memory.oom.group"), "1");
                }
            }
            if (cpu) {
                cpuDir = version == 2 && memDir != null ? memDir : freshDir(cpuParent, instanceId, made);
                long quota = Math.max(CPU_MIN_QUOTA_US, cpuMillis * CPU_PERIOD_US / 1000);
                if (version == 1) {
                    write(cpuDir.resolve("cpu.cfs_period_us"), Long.toString(CPU_PERIOD_US));
                    write(cpuDir.resolve("cpu.cfs_quota_us"), Long.toString(quota));
                } else {
                    write(cpuDir.resolve("cpu.max"), quota + " " + CPU_PERIOD_US);
                }
            }
            Fs g = new Fs(instanceId, memDir, cpuDir, mem ? memoryBytes : 0);
            g.oomBaseline = g.oomCount();
            groups.put(instanceId, g);
            return Optional.of(g);
        } catch (IOException | RuntimeException e) {
            warnOnce("setup", "cannot set up a cgroup for instance " + instanceId + " (" + e
                    + "); this and later instances that fail the same way run with heap size and RSS watchdog only");
            for (int i = made.size() - 1; i >= 0; i--) {
                rmdir(made.get(i), false);
            }
            return Optional.empty();
        }
    }

    /** On v2 the children of a cgroup get a controller only when it is enabled in its parent. */
    private void enableV2(boolean mem, boolean cpu) throws IOException {
        Set<String> want = new LinkedHashSet<>();
        if (mem) {
            want.add("memory");
        }
        if (cpu) {
            want.add("cpu");
        }
        Set<String> ownEnabled = words(v2Own.resolve("cgroup.subtree_control"));
        for (String c : want) {
            if (!ownEnabled.contains(c)) {
                write(v2Own.resolve("cgroup.subtree_control"), "+" + c);
            }
        }
        Files.createDirectories(memParent);
        Set<String> parentEnabled = words(memParent.resolve("cgroup.subtree_control"));
        for (String c : want) {
            if (!parentEnabled.contains(c)) {
                write(memParent.resolve("cgroup.subtree_control"), "+" + c);
            }
        }
    }

    /**
     * parent/id, made new: a folder left by an earlier incarnation is removed first when it is
     * empty; when it is not (a leftover still runs in it) it is reused, and the OOM baseline
     * keeps its old counters from counting.
     */
    private Path freshDir(Path parent, String id, List<Path> made) throws IOException {
        Files.createDirectories(parent);
        Path dir = parent.resolve(id);
        if (Files.isDirectory(dir)) {
            rmdir(dir, false);
        }
        if (!Files.isDirectory(dir)) {
            Files.createDirectory(dir);
            made.add(dir);
        }
        return dir;
    }

    @Override
    public synchronized Optional<Group> adopt(String instanceId, long pid, long memoryBytes) {
        requireName(instanceId);
        Path memDir = memParent == null ? null : memParent.resolve(instanceId);
        Path cpuDir = cpuParent == null ? null : cpuParent.resolve(instanceId);
        memDir = holds(memDir, pid) ? memDir : null;
        cpuDir = holds(cpuDir, pid) ? cpuDir : null;
        if (memDir == null && cpuDir == null) {
            return Optional.empty();
        }
        Fs g = new Fs(instanceId, memDir, cpuDir, memDir == null ? 0 : memoryBytes);
        // the counters are this incarnation's: the folder was made new when it started
        groups.put(instanceId, g);
        return Optional.of(g);
    }

    private static boolean holds(Path dir, long pid) {
        return dir != null && Files.isDirectory(dir) && pids(dir).contains(pid);
    }

    @Override
    public void release(Group group) {
        if (!(group instanceof Fs g) || g.released) {
            return;
        }
        synchronized (this) {
            g.released = true;
            Fs current = groups.get(g.id);
            if (current == g) {
                groups.remove(g.id);
                current = null;
            }
            for (Path dir : g.dirs()) {
                if (current == null || !current.dirs().contains(dir)) {
                    rmdir(dir, true);
                }
            }
        }
    }

    @Override
    public synchronized void removeStale(String instanceId) {
        if (groups.containsKey(instanceId) || !validName(instanceId)) {
            return;
        }
        for (Path parent : parents()) {
            Path dir = parent.resolve(instanceId);
            if (Files.isDirectory(dir)) {
                rmdir(dir, true);
            }
        }
    }

    @Override
    public synchronized void removeUnused(Set<String> keep) {
        for (Path parent : parents()) {
            if (!Files.isDirectory(parent)) {
                continue;
            }
            try (DirectoryStream<Path> ds = Files.newDirectoryStream(parent, Files::isDirectory)) {
                for (Path dir : ds) {
                    String id = dir.getFileName().toString();
                    if (!keep.contains(id) && !groups.containsKey(id)) {
                        rmdir(dir, false);
                    }
                }
            } catch (IOException | RuntimeException e) {
                log.debug("cannot list {}: {}", parent, e.toString());
            }
        }
    }

    @Override
    public synchronized void close() {
        for (Path parent : parents()) {
            if (Files.isDirectory(parent)) {
                try {
                    Files.delete(parent);
                } catch (IOException e) {
                    log.debug("cgroup {} not removed: {}", parent, e.toString());
                }
            }
        }
    }

    private List<Path> parents() {
        List<Path> out = new ArrayList<>(2);
        if (memParent != null) {
            out.add(memParent);
        }
        if (cpuParent != null && !cpuParent.equals(memParent)) {
            out.add(cpuParent);
        }
        return out;
    }

    /**
     * rmdir, retried for up to {@link #REMOVE_RETRY_MS} when {@code killLeftovers}: between tries
     * every process still in it gets SIGKILL (it can only be a leftover of the instance: the
     * folder is ours and its main process is gone).
     */
    private boolean rmdir(Path dir, boolean killLeftovers) {
        long deadline = System.nanoTime() + REMOVE_RETRY_MS * 1_000_000;
        IOException last = null;
        while (true) {
            try {
                Files.delete(dir);
                return true;
            } catch (NoSuchFileException e) {
                return true;
            } catch (IOException e) {
                last = e;
            }
            if (!killLeftovers || System.nanoTime() > deadline) {
                break;
            }
            List<Long> left = pids(dir);
            if (!left.isEmpty()) {
                log.info("killing {} process(es) left in cgroup {}: {}", left.size(), dir, left);
                left.forEach(pid -> ProcessHandle.of(pid).ifPresent(ProcessHandle::destroyForcibly));
            }
            try {
                Thread.sleep(20);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        if (killLeftovers) {
            warnOnce("rmdir", "cannot remove cgroup " + dir + ": " + last);
        } else {
            log.debug("cgroup {} not removed: {}", dir, String.valueOf(last));
        }
        return false;
    }

    static List<Long> pids(Path dir) {
        List<Long> out = new ArrayList<>();
        try {
            for (String l : Files.readAllLines(dir.resolve("cgroup.procs"))) {
                if (!l.isBlank()) {
                    out.add(Long.parseLong(l.trim()));
                }
            }
        } catch (IOException | RuntimeException e) {
            // gone or unreadable: nothing we can list
        }
        return out;
    }

    private static void write(Path file, String value) throws IOException {
        try {
            Files.writeString(file, value, StandardCharsets.US_ASCII, StandardOpenOption.WRITE);
        } catch (IOException e) {
            throw new IOException("write " + value + " to " + file + ": " + e.getMessage(), e);
        }
    }

    private static void writeIfPresent(Path file, String value) {
        if (Files.exists(file)) {
            try {
                write(file, value);
            } catch (IOException e) {
                log.debug("{}", e.getMessage());
            }
        }
    }

    private void warnOnce(String key, String message) {
        if (warned.add(key)) {
            log.warn("{}", message);
        } else {
            log.debug("{}", message);
        }
    }

    static boolean validName(String id) {
        return id != null && !id.isEmpty() && !id.equals(".") && !id.equals("..") && !id.contains("/")
                && !id.contains("\0");
    }

    private static void requireName(String id) {
        if (!validName(id)) {
            throw new IllegalArgumentException("not a cgroup name: " + id);
        }
    }

    /** The folders of one incarnation. */
    private final class Fs implements Group {
        final String id;
        final Path memDir;
        final Path cpuDir;
        final long memLimit;
        long oomBaseline;
        volatile boolean released;

        Fs(String id, Path memDir, Path cpuDir, long memLimit) {
            this.id = id;
            this.memDir = memDir;
            this.cpuDir = cpuDir;
            this.memLimit = memLimit;
        }

        List<Path> dirs() {
            List<Path> out = new ArrayList<>(2);
            if (memDir != null) {
                out.add(memDir);
            }
            if (cpuDir != null && !cpuDir.equals(memDir)) {
                out.add(cpuDir);
            }
            return out;
        }

        @Override
        public String instanceId() {
            return id;
        }

        @Override
        public void attach(long pid) throws IOException {
            for (Path dir : dirs()) {
                write(dir.resolve("cgroup.procs"), Long.toString(pid));
            }
        }

        /**
         * v2: {@code oom_kill} of memory.events; v1: {@code oom_kill} of memory.oom_control
         * (kernel 4.13+), else the failure counters (a charge that failed even after reclaim;
         * the driver counts that only together with a SIGKILL).
         */
        long oomCount() {
            if (memDir == null) {
                return 0;
            }
            if (version == 2) {
                return field(memDir.resolve("memory.events"), "oom_kill");
            }
            long n = field(memDir.resolve("memory.oom_control"), "oom_kill");
            if (n >= 0) {
                return n;
            }
            return Math.max(0, number(memDir.resolve("memory.failcnt")))
                    + Math.max(0, number(memDir.resolve("memory.memsw.failcnt")));
        }

        @Override
        public boolean oomKilled() {
            return memDir != null && oomCount() > oomBaseline;
        }

        @Override
        public long memoryLimit() {
            return memLimit;
        }

        @Override
        public Optional<Path> memoryDir() {
            return Optional.ofNullable(memDir);
        }

        @Override
        public Optional<Path> cpuDir() {
            return Optional.ofNullable(cpuDir);
        }

        @Override
        public String describe() {
            StringBuilder b = new StringBuilder("cgroup v").append(version);
            if (memDir != null) {
                b.append(" memory=").append(memDir);
            }
            if (cpuDir != null && !cpuDir.equals(memDir)) {
                b.append(" cpu=").append(cpuDir);
            } else if (cpuDir != null) {
                b.append(" +cpu");
            }
            return b.toString();
        }
    }

    /** The number after {@code key } in a flat keyed file, -1 when absent. */
    static long field(Path file, String key) {
        try {
            for (String l : Files.readAllLines(file)) {
                String[] kv = l.trim().split("\\s+");
                if (kv.length == 2 && kv[0].equals(key)) {
                    return Long.parseLong(kv[1]);
                }
            }
        } catch (IOException | RuntimeException e) {
            // unreadable: unknown
        }
        return -1;
    }

    private static long number(Path file) {
        try {
            return Long.parseLong(Files.readString(file).trim());
        } catch (IOException | RuntimeException e) {
            return -1;
        }
    }
}
