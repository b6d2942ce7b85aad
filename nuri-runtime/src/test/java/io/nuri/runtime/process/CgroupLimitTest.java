package io.nuri.runtime.process;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.nuri.api.spec.Resources;
import io.nuri.api.spec.RunSpec;
import io.nuri.runtime.ExitStatus;
import io.nuri.runtime.InstanceHandle;
import io.nuri.runtime.LaunchSpec;
import io.nuri.runtime.Ports;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Limits through real cgroups. Tests that need a writable hierarchy are skipped where there is
 * none (an unprivileged CI runner); every cgroup folder a test saw is removed afterwards.
 */
class CgroupLimitTest {
    private static final Duration UP = Duration.ofSeconds(15);
    private static final long MI32 = 32L << 20;

    @TempDir
    Path dir;

    private final List<ProcessDriver> drivers = new CopyOnWriteArrayList<>();
    private final List<Long> pids = new CopyOnWriteArrayList<>();
    private final List<Path> cgroupDirs = new CopyOnWriteArrayList<>();

    private ProcessDriver driver(Consumer<ProcessDriverBuilder> config) {
        ProcessDriverBuilder b = ProcessDriver.builder().dataDir(dir.resolve("data"))
                .sampleInterval(Duration.ofMillis(200));
        config.accept(b);
        ProcessDriver d = b.build();
        drivers.add(d);
        return d;
    }

    /** A driver with a usable cgroup hierarchy, or the test is skipped. */
    private ProcessDriver cgroupDriver(Consumer<ProcessDriverBuilder> config) {
        ProcessDriver d = driver(config);
        assumeTrue(d.cgroups().active(), () -> "no writable cgroup hierarchy: " + d.cgroups().describe());
        return d;
    }

    private InstanceHandle start(ProcessDriver d, LaunchSpec spec) throws Exception {
        InstanceHandle h = d.start(spec);
        pids.add(h.pid());
        d.cgroupOf(spec.instanceId()).ifPresent(g -> {
            g.memoryDir().ifPresent(p -> {
                cgroupDirs.add(p);
                cgroupDirs.add(p.getParent());
            });
            g.cpuDir().ifPresent(p -> {
                cgroupDirs.add(p);
                cgroupDirs.add(p.getParent());
            });
        });
        return h;
    }

    private LaunchSpec command(String id, Resources resources, String... argv) {
        return new LaunchSpec(id, "default", "cmd", 1, new RunSpec(null, List.of(argv), null, null, null), Map.of(),
                Ports.freeLocalPort(), resources, dir.resolve("logs"), Duration.ofSeconds(5));
    }

    @AfterEach
    void cleanUp() {
        drivers.forEach(ProcessDriver::close);
        pids.forEach(Instances::killTree);
        drivers.forEach(d -> Instances.killMarked(d.ownerId()));
        // children first, then the nuri-<owner> parents
        cgroupDirs.stream().distinct().sorted(Comparator.comparingInt(Path::getNameCount).reversed())
                .forEach(CgroupLimitTest::removeCgroup);
    }

    private static void removeCgroup(Path p) {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(3);
        while (Files.isDirectory(p) && System.nanoTime() < deadline) {
            FsCgroupLimiter.pids(p).forEach(Instances::killTree);
            try {
                Files.delete(p);
            } catch (IOException e) {
                try {
                    Thread.sleep(20);
                } catch (InterruptedException ie) {
                    Thread.currentThread().interrupt();
                    return;
                }
            }
        }
    }

    private static String read(Path p) throws IOException {
        return Files.readString(p).trim();
    }

    /** The lines of /proc/PID/cgroup, e.g. "4:memory:/a/b". */
    private static List<String> cgroupLines(long pid) throws IOException {
        return Files.readAllLines(Path.of("/proc", Long.toString(pid), "cgroup"));
    }

    @Test
    void theKernelKillsAnInstanceOverItsMemoryLimitAndTheCgroupGoesWithIt() throws Exception {
        // a 30 s watchdog cannot be what fires here: only the kernel can
        ProcessDriver d = cgroupDriver(b -> b.sampleInterval(Duration.ofSeconds(30)));
        Path go = dir.resolve("go");
        InstanceHandle h = start(d, command("oom-1", new Resources(null, "32Mi"), "sh", "-c",
                "while [ ! -e " + go + " ]; do sleep 0.05; done; x=$(head -c 200000000 /dev/zero | tr '\\0' a); sleep 60"));
        Optional<Path> memDir = d.cgroupOf("oom-1").flatMap(CgroupLimiter.Group::memoryDir);
        assumeTrue(memDir.isPresent(), "memory is not limited by cgroup here: " + d.cgroups().describe());
        Path cg = memDir.get();

        assertThat(cg.getParent().getFileName().toString()).isEqualTo("nuri-" + d.ownerId());
        assertThat(cg.getFileName().toString()).isEqualTo("oom-1");
        Path limitFile = Files.exists(cg.resolve("memory.max")) ? cg.resolve("memory.max") : cg.resolve("memory.limit_in_bytes");
        assertThat(read(limitFile)).isEqualTo(Long.toString(MI32));
        assertThat(FsCgroupLimiter.pids(cg)).contains(h.pid());

        Files.createFile(go);
        ExitStatus exit = d.exit("oom-1").get(20, TimeUnit.SECONDS);

        assertThat(exit.reason()).startsWith("OOMKilled").isEqualTo("OOMKilled: memory limit 32Mi");
        assertThat(exit.signal()).isEqualTo(9);
        await().atMost(UP).until(() -> !Files.exists(cg));
        assertThat(Procfs.markedWith("NURI_OWNER=" + d.ownerId())).isEmpty();

        d.close();
        assertThat(cg.getParent()).doesNotExist(); // nuri-<owner> went with the driver
    }

    @Test
    void aCpuLimitedBusyLoopGetsAboutItsQuota() throws Exception {
        ProcessDriver d = cgroupDriver(b -> {});
        InstanceHandle h = start(d, command("cpu-1", new Resources("200m", null), "sh", "-c", "while :; do :; done"));
        Optional<Path> cpuDir = d.cgroupOf("cpu-1").flatMap(CgroupLimiter.Group::cpuDir);
        assumeTrue(cpuDir.isPresent(), "cpu is not limited by cgroup here: " + d.cgroups().describe());
        Path cg = cpuDir.get();
        if (Files.exists(cg.resolve("cpu.max"))) {
            assertThat(read(cg.resolve("cpu.max"))).isEqualTo("20000 100000");
        } else {
            assertThat(read(cg.resolve("cpu.cfs_quota_us"))).isEqualTo("20000");
            assertThat(read(cg.resolve("cpu.cfs_period_us"))).isEqualTo("100000");
        }
        assertThat(d.cgroupOf("cpu-1").flatMap(CgroupLimiter.Group::memoryDir)).isEmpty(); // no memory limit asked
        Path cmdline = Path.of("/proc", Long.toString(h.pid()), "cmdline");
        await().atMost(UP).until(() -> Files.readString(cmdline).startsWith("sh\0"));

        long t0 = System.nanoTime();
        long ticks0 = cpuTicks(h.pid());
        Thread.sleep(3000);
        long ticks1 = cpuTicks(h.pid());
        double seconds = (System.nanoTime() - t0) / 1e9;
        double share = (ticks1 - ticks0) / 100.0 / seconds; // USER_HZ is 100

        assertThat(share).as("share of one core").isLessThan(0.5);
        assertThat(share).as("share of one core: it did run").isGreaterThan(0.02);

        d.stop("cpu-1", Duration.ofSeconds(1)).get(10, TimeUnit.SECONDS);
        assertThat(cg).doesNotExist();
    }

    /** utime + stime of /proc/PID/stat, in clock ticks. */
    private static long cpuTicks(long pid) throws IOException {
        String stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"));
        String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
        return Long.parseLong(f[11]) + Long.parseLong(f[12]); // fields 14 and 15
    }

    @Test
    void anInstanceWithoutLimitsGetsNoCgroup() throws Exception {
        ProcessDriver d = cgroupDriver(b -> {});
        InstanceHandle h = start(d, command("free-1", Resources.NONE, "sleep", "600"));

        assertThat(d.cgroupOf("free-1")).isEmpty();
        assertThat(cgroupLines(h.pid())).noneMatch(l -> l.contains("nuri-"));
        assertThat(cgroupLines(h.pid())).isEqualTo(cgroupLines(ProcessHandle.current().pid()));
    }

    @Test
    void stopAndRecoveredExitsRemoveTheCgroup() throws Exception {
        ProcessDriver a = cgroupDriver(b -> {});
        InstanceHandle h = start(a, command("rec-1", new Resources("500m", "64Mi"), "sleep", "600"));
        CgroupLimiter.Group g = a.cgroupOf("rec-1").orElse(null);
        assumeTrue(g != null, "no cgroup made here: " + a.cgroups().describe());
        List<Path> dirs = java.util.stream.Stream.of(g.memoryDir(), g.cpuDir()).flatMap(Optional::stream).toList();
        assertThat(dirs).allSatisfy(p -> assertThat(FsCgroupLimiter.pids(p)).contains(h.pid()));
        a.abandonForTest(); // the platform "crashed"

        ProcessDriver b = driver(x -> {});
        assertThat(b.recover(h)).contains(h);
        // re-attached nothing, but tracked: the same folders
        assertThat(b.cgroupOf("rec-1").map(x -> java.util.stream.Stream.of(x.memoryDir(), x.cpuDir())
                .flatMap(Optional::stream).toList())).contains(dirs);
        assertThat(b.cgroupOf("rec-1").orElseThrow().memoryLimit()).isEqualTo(64L << 20);

        ExitStatus exit = b.stop("rec-1", Duration.ofSeconds(2)).get(15, TimeUnit.SECONDS);
        assertThat(exit.reason()).isEqualTo("stopped");
        assertThat(dirs).allSatisfy(p -> assertThat(p).doesNotExist());

        // a stray's cgroup goes with it
        InstanceHandle s = start(b, command("stray-1", new Resources(null, "64Mi"), "sleep", "600"));
        Path strayDir = b.cgroupOf("stray-1").flatMap(CgroupLimiter.Group::memoryDir).orElseThrow();
        b.abandonForTest();
        ProcessDriver c = driver(x -> {});
        assertThat(c.reapStrays(List.of())).containsExactly("stray-1");
        assertThat(Instances.alive(s.pid())).isFalse();
        assertThat(strayDir).doesNotExist();
        c.close();
        assertThat(strayDir.getParent()).doesNotExist();
    }

    @Test
    void withCgroupsOffLimitsAreHeapAndWatchdogOnly() throws Exception {
        ProcessDriver d = driver(b -> b.cgroups(false));
        assertThat(d.cgroups().active()).isFalse();
        assertThat(d.cgroups().describe()).contains("disabled by configuration");

        InstanceHandle h = start(d, command("off-1", new Resources("200m", "64Mi"), "sleep", "600"));

        assertThat(d.cgroupOf("off-1")).isEmpty();
        assertThat(cgroupLines(h.pid())).isEqualTo(cgroupLines(ProcessHandle.current().pid()));
        assertThat(d.stop("off-1", Duration.ofSeconds(1)).get(10, TimeUnit.SECONDS).reason()).isEqualTo("stopped");
    }

    @Test
    void detectionReadsProcSelfCgroupAndFallsBackWithAReason(@TempDir Path fake) throws Exception {
        assertThat(FsCgroupLimiter.parse("4:memory:/a/b\n1:cpu,cpuacct:/\n0::/user.slice/x\n"))
                .containsExactly(new FsCgroupLimiter.Line(List.of("memory"), "/a/b"),
                        new FsCgroupLimiter.Line(List.of("cpu", "cpuacct"), "/"),
                        new FsCgroupLimiter.Line(List.of(), "/user.slice/x"));

        Path self = fake.resolve("self-cgroup");
        Files.writeString(self, "4:memory:/job/1\n1:cpu:/\n0::/\n");
        Path root = fake.resolve("sys-fs-cgroup");
        Files.createDirectories(root);
        CgroupLimiter none = FsCgroupLimiter.detect(root, self, "0123456789abcdef");
        assertThat(none.active()).isFalse();
        assertThat(none.describe()).contains("no memory hierarchy mounted", "no cpu hierarchy mounted");

        Files.createDirectories(root.resolve("memory/job/1"));
        Files.createDirectories(root.resolve("cpu"));
        CgroupLimiter v1 = FsCgroupLimiter.detect(root, self, "0123456789abcdef");
        assertThat(v1.active()).isTrue();
        assertThat(v1.describe()).contains("cgroup v1", root.resolve("memory/job/1/nuri-0123456789abcdef").toString(),
                root.resolve("cpu/nuri-0123456789abcdef").toString());

        Files.writeString(root.resolve("cgroup.controllers"), "cpu io pids\n");
        CgroupLimiter v2 = FsCgroupLimiter.detect(root, self, "0123456789abcdef");
        assertThat(v2.active()).isFalse();
        assertThat(v2.describe()).contains("cgroup v2", "memory controller is not available");
        assertThat(CgroupLimiter.detect("0123456789abcdef", false).describe()).contains("disabled by configuration");
        assertThat(FsCgroupLimiter.detect(root, fake.resolve("missing"), "x").active()).isFalse();
    }
}
