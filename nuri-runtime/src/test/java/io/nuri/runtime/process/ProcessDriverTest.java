package io.nuri.runtime.process;

import static io.nuri.runtime.process.Instances.alive;
import static io.nuri.runtime.process.Instances.command;
import static io.nuri.runtime.process.Instances.get;
import static io.nuri.runtime.process.Instances.kill9;
import static io.nuri.runtime.process.Instances.sampleApp;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.nuri.api.spec.Resources;
import io.nuri.runtime.ExitStatus;
import io.nuri.runtime.InstanceHandle;
import io.nuri.runtime.LaunchSpec;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ProcessDriverTest {
    private static final Duration UP = Duration.ofSeconds(15);

    @TempDir
    Path dir;

    private final List<ProcessDriver> drivers = new CopyOnWriteArrayList<>();
    private final List<Long> pids = new CopyOnWriteArrayList<>();

    private ProcessDriver driver(Consumer<ProcessDriverBuilder> config) {
        ProcessDriverBuilder b = ProcessDriver.builder().dataDir(dir.resolve("data"))
                .sampleInterval(Duration.ofMillis(200));
        config.accept(b);
        ProcessDriver d = b.build();
        drivers.add(d);
        return d;
    }

    private ProcessDriver driver() {
        return driver(b -> {});
    }

    private InstanceHandle start(ProcessDriver d, LaunchSpec spec) throws Exception {
        InstanceHandle h = d.start(spec);
        pids.add(h.pid());
        return h;
    }

    private Path logs() {
        return dir.resolve("logs");
    }

    @AfterEach
    void stopEverything() {
        drivers.forEach(ProcessDriver::close);
        pids.forEach(Instances::killTree);
        drivers.forEach(d -> Instances.killMarked(d.ownerId()));
    }

    @Test
    void startedJarAnswersOnItsPortAndLogsToItsFile() throws Exception {
        ProcessDriver d = driver();
        InstanceHandle h = start(d, sampleApp("web-1", logs(), Resources.NONE, Map.of()));

        await().atMost(UP).until(() -> get(h.port(), "/health") == 200);
        assertThat(h.logFile()).isEqualTo(logs().resolve("web-1.log"));
        await().atMost(UP).until(() -> Files.readString(h.logFile()).contains("listening on 127.0.0.1:" + h.port()));
        assertThat(d.tail("web-1", 5)).anySatisfy(l -> assertThat(l).contains("sample-app web-1 version v1 listening"));
        assertThat(d.running()).containsExactly("web-1");
        assertThat(h.startTimeMillis()).isCloseTo(System.currentTimeMillis(), org.assertj.core.data.Offset.offset(30_000L));
    }

    @Test
    void instanceEnvironmentHasPortAndIdentityButNotThePlatformsSecrets() throws Exception {
        ProcessDriver d = driver(b -> b.parentEnv(Map.of("PATH", System.getenv("PATH"), "NURI_TOKEN", "admin-secret",
                "DB_PASSWORD", "pw", "GITHUB_TOKEN", "gh", "KEEP_ME", "yes")));
        LaunchSpec spec = command("env-1", logs(), "sh", "-c", "env; exec sleep 600");
        spec = new LaunchSpec(spec.instanceId(), "ns1", "envapp", 7, spec.run(), Map.of("APP_SETTING", "on"),
                spec.port(), spec.resources(), spec.logDir(), spec.stopGrace());
        InstanceHandle h = start(d, spec);

        await().atMost(UP).until(() -> Files.readString(h.logFile()).contains("NURI_OWNER="));
        List<String> env = Files.readAllLines(h.logFile());
        assertThat(env).contains("PORT=" + h.port(), "NURI_INSTANCE_ID=env-1", "NURI_APP=envapp", "NURI_NAMESPACE=ns1",
                "NURI_REVISION=7", "NURI_OWNER=" + d.ownerId(), "KEEP_ME=yes", "APP_SETTING=on");
        assertThat(env).noneMatch(l -> l.startsWith("NURI_TOKEN") || l.contains("DB_PASSWORD")
                || l.contains("GITHUB_TOKEN") || l.contains("admin-secret"));
        // the same markers are what recover and reapStrays read back
        assertThat(Procfs.environ(h.pid()).orElseThrow())
                .containsEntry("NURI_INSTANCE_ID", "env-1").containsEntry("NURI_OWNER", d.ownerId());
    }

    @Test
    void killDashNineCompletesTheExitAtOnceWithTheSignal() throws Exception {
        ProcessDriver d = driver();
        InstanceHandle h = start(d, sampleApp("k-1", logs(), Resources.NONE, Map.of()));
        await().atMost(UP).until(() -> get(h.port(), "/health") == 200);

        kill9(h.pid());

        ExitStatus exit = d.exit("k-1").get(2, TimeUnit.SECONDS);
        assertThat(exit.code()).isEqualTo(137);
        assertThat(exit.signal()).isEqualTo(9);
        assertThat(exit.reason()).isEqualTo("killed (SIGKILL)");
        assertThat(d.exit("k-1")).isSameAs(d.exit("k-1"));
        assertThat(d.running()).isEmpty();
        assertThat(d.usage("k-1")).isEmpty();
    }

    @Test
    void crashingAppExitsWithItsCode() throws Exception {
        ProcessDriver d = driver();
        InstanceHandle h = start(d, sampleApp("c-1", logs(), Resources.NONE, Map.of()));
        await().atMost(UP).until(() -> get(h.port(), "/health") == 200);

        get(h.port(), "/crash");

        ExitStatus exit = d.exit("c-1").get(5, TimeUnit.SECONDS);
        assertThat(exit.code()).isEqualTo(1);
        assertThat(exit.signal()).isZero();
        assertThat(exit.reason()).isEqualTo("exit code 1");
        assertThat(exit.succeeded()).isFalse();
    }

    @Test
    void stopEndsANormalAppWithSigtermWithinTheGrace() throws Exception {
        ProcessDriver d = driver();
        InstanceHandle h = start(d, sampleApp("s-1", logs(), Resources.NONE, Map.of()));
        await().atMost(UP).until(() -> get(h.port(), "/health") == 200);

        long t0 = System.nanoTime();
        ExitStatus exit = d.stop("s-1", Duration.ofSeconds(10)).get(15, TimeUnit.SECONDS);

        assertThat(Duration.ofNanos(System.nanoTime() - t0)).isLessThan(Duration.ofSeconds(5));
        assertThat(exit.reason()).isEqualTo("stopped");
        assertThat(exit.code()).isEqualTo(143); // the JVM exits 128 + SIGTERM after its shutdown hooks
        assertThat(exit.signal()).isEqualTo(15);
        assertThat(Files.readString(h.logFile())).contains("sample-app s-1 stopping after");
        assertThat(alive(h.pid())).isFalse();
        // idempotent: stopping a stopped instance answers the same exit
        assertThat(d.stop("s-1", Duration.ZERO).get(1, TimeUnit.SECONDS)).isEqualTo(exit);
        assertThat(d.stop("never-started", Duration.ZERO).get(1, TimeUnit.SECONDS).reason())
                .isEqualTo("not known to this driver");
    }

    @Test
    void stopKillsACommandThatIgnoresSigtermAfterTheGrace() throws Exception {
        ProcessDriver d = driver();
        InstanceHandle h = start(d, command("t-1", logs(), "sh", "-c", "trap '' TERM; echo ready; sleep 600"));
        await().atMost(UP).until(() -> Files.readString(h.logFile()).contains("ready"));

        long t0 = System.nanoTime();
        ExitStatus exit = d.stop("t-1", Duration.ofMillis(500)).get(10, TimeUnit.SECONDS);

        assertThat(Duration.ofNanos(System.nanoTime() - t0)).isGreaterThanOrEqualTo(Duration.ofMillis(500));
        assertThat(exit.reason()).isEqualTo("stopped: killed (SIGKILL) after 0.5 s grace");
        assertThat(exit.signal()).isEqualTo(9);
        assertThat(alive(h.pid())).isFalse();
        assertThat(Procfs.markedWith("NURI_OWNER=" + d.ownerId())).isEmpty();
    }

    @Test
    void stopKillsTheWholeTreeAndACrashedParentTakesItsChildrenAlong() throws Exception {
        ProcessDriver d = driver();
        InstanceHandle stopped = start(d, command("tree-1", logs(), "sh", "-c", "sleep 600 & sleep 600 & wait"));
        InstanceHandle crashed = start(d, command("tree-2", logs(), "sh", "-c", "sleep 600 & sleep 600 & wait"));
        List<Long> children1 = awaitChildren(stopped, 2);
        List<Long> children2 = awaitChildren(crashed, 2);

        d.stop("tree-1", Duration.ofSeconds(2)).get(10, TimeUnit.SECONDS);
        assertThat(children1).noneMatch(Instances::alive);

        kill9(crashed.pid()); // the sleeps are re-parented to init: only their markers still name them
        assertThat(d.exit("tree-2").get(5, TimeUnit.SECONDS).reason()).isEqualTo("killed (SIGKILL)");
        await().atMost(UP).until(() -> children2.stream().noneMatch(Instances::alive));
    }

    private static List<Long> awaitChildren(InstanceHandle h, int n) {
        List<Long> out = new ArrayList<>();
        await().atMost(UP).until(() -> {
            out.clear();
            ProcessHandle.of(h.pid()).orElseThrow().descendants().forEach(c -> out.add(c.pid()));
            return out.size() >= n;
        });
        return out;
    }

    @Test
    void aNewDriverOnTheSameDataDirRecoversARunningInstanceAndSeesItsExit() throws Exception {
        ProcessDriver a = driver();
        InstanceHandle h = start(a, sampleApp("r-1", logs(), Resources.NONE, Map.of()));
        await().atMost(UP).until(() -> get(h.port(), "/health") == 200);
        a.abandonForTest(); // the platform "crashed": the instance runs on, nobody watches it

        ProcessDriver b = driver();
        assertThat(b.ownerId()).isEqualTo(a.ownerId());
        assertThat(b.recover(h)).contains(h);
        assertThat(b.recover(h)).contains(h); // idempotent
        assertThat(b.running()).containsExactly("r-1");
        await().atMost(UP).until(() -> b.usage("r-1").map(u -> u.rssBytes() > 0).orElse(false));
        assertThat(b.reapStrays(List.of())).isEmpty(); // tracked: not a stray
        assertThat(get(h.port(), "/health")).isEqualTo(200);

        kill9(h.pid());

        ExitStatus exit = b.exit("r-1").get(3, TimeUnit.SECONDS);
        assertThat(exit.code()).isNull(); // not our child: the code is unknown
        assertThat(exit.reason()).isEqualTo("exited (code unknown)");
        assertThat(b.running()).isEmpty();
    }

    @Test
    void recoverRefusesAHandleWhoseStartTimeDoesNotMatchAndLeavesOthersAlone() throws Exception {
        ProcessDriver d = driver();
        InstanceHandle h = start(d, command("w-1", logs(), "sleep", "600"));
        d.abandonForTest();
        ProcessDriver b = driver();

        InstanceHandle wrongTime = new InstanceHandle(h.version(), h.driver(), h.instanceId(), h.pid(),
                h.startTimeMillis() - 60_000, h.port(), h.logFile());
        assertThat(b.recover(wrongTime)).isEmpty();
        // it carries our markers, so it is a leftover of w-1 and must not run on unwatched
        await().atMost(UP).until(() -> !alive(h.pid()));

        Process foreign = new ProcessBuilder("sleep", "600").start();
        pids.add(foreign.pid());
        long foreignStart = foreign.info().startInstant().orElseThrow().toEpochMilli();
        InstanceHandle reused = new InstanceHandle(1, "process", "w-2", foreign.pid(), foreignStart, 1, null);
        assertThat(b.recover(reused)).isEmpty(); // right pid and time, but no markers: not ours
        assertThat(foreign.isAlive()).isTrue();

        assertThat(b.recover(new InstanceHandle(1, "process", "w-3", Long.MAX_VALUE / 2, 0, 1, null))).isEmpty();
        assertThat(b.recover(new InstanceHandle(1, "kubernetes", "w-4", h.pid(), 0, 1, null))).isEmpty();
    }

    @Test
    void reapStraysKillsOurUnclaimedProcessesAndNothingElse() throws Exception {
        ProcessDriver d = driver();
        InstanceHandle kept = start(d, command("kept-1", logs(), "sleep", "600"));
        ProcessBuilder strayPb = new ProcessBuilder("sleep", "600");
        strayPb.environment().put("NURI_OWNER", d.ownerId());
        strayPb.environment().put("NURI_INSTANCE_ID", "stray-1");
        Process stray = strayPb.start();
        pids.add(stray.pid());
        ProcessBuilder otherPb = new ProcessBuilder("sleep", "600");
        otherPb.environment().put("NURI_OWNER", "0123456789abcdef");
        otherPb.environment().put("NURI_INSTANCE_ID", "stray-2");
        Process other = otherPb.start();
        pids.add(other.pid());
        await().atMost(UP).until(() -> Procfs.markedWith("NURI_OWNER=" + d.ownerId()).size() == 2);

        assertThat(d.reapStrays(List.of())).containsExactly("stray-1");

        assertThat(stray.waitFor(5, TimeUnit.SECONDS)).isTrue();
        assertThat(other.isAlive()).isTrue();
        assertThat(alive(kept.pid())).isTrue();
        assertThat(d.reapStrays(List.of("kept-1"))).isEmpty();
    }

    @Test
    void anInstanceOverItsMemoryLimitIsOomKilledByTheWatchdog() throws Exception {
        ProcessDriver d = driver(b -> b.cgroups(false)); // with a cgroup the kernel may be first: CgroupLimitTest
        // the JVM alone needs far more than 16Mi of RSS (it gets -Xmx12m)
        InstanceHandle h = start(d, sampleApp("m-1", logs(), new Resources(null, "16Mi"), Map.of()));

        ExitStatus exit = d.exit("m-1").get(15, TimeUnit.SECONDS);

        assertThat(exit.reason()).matches("OOMKilled: memory \\d+Mi over limit 16Mi");
        assertThat(exit.signal()).isEqualTo(9);
        assertThat(Procfs.markedWith("NURI_OWNER=" + d.ownerId())).noneMatch(m -> m.pid() == h.pid());
    }

    @Test
    void jarsGetThreeQuartersOfTheirMemoryAsHeapUnlessTheySetOne() throws Exception {
        ProcessDriver d = driver();
        InstanceHandle h = start(d, sampleApp("x-1", logs(), new Resources(null, "256Mi"), Map.of()));
        // right after the spawn /proc/PID/cmdline can still be empty (the exec has not finished)
        await().atMost(UP).untilAsserted(() -> assertThat(
                Files.readString(Path.of("/proc/" + h.pid() + "/cmdline")).replace('\0', ' '))
                .contains("-Xmx192m -jar"));
        await().atMost(UP).until(() -> get(h.port(), "/health") == 200);
        assertThat(d.usage("x-1")).hasValueSatisfying(u -> {
            assertThat(u.rssBytes()).isGreaterThan(10L << 20);
            assertThat(u.threads()).isGreaterThan(1);
            assertThat(u.cpuPercent()).isNotNegative();
        });
    }

    @Test
    void startFailsWithAReasonWhenNothingCanRun() {
        ProcessDriver d = driver();
        LaunchSpec noJar = new LaunchSpec("f-1", "default", "x", 1,
                new io.nuri.api.spec.RunSpec("/nope/app.jar", null, null, null, null), Map.of(), 1, null, logs(), null);
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> d.start(noJar))
                .hasMessage("jar not found: /nope/app.jar");
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> d.start(command("f-2", logs(), "/nope/bin")))
                .hasMessage("cannot start /nope/bin: not an executable file");
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> d.start(command("f-3", logs(), "no-such-program-here")))
                .hasMessage("cannot start no-such-program-here: not found on PATH");
    }

    @Test
    void anInstanceRunsInASessionOfItsOwnUnderItsOwnPid() throws Exception {
        ProcessDriver d = driver();
        InstanceHandle h = start(d, command("s-1", logs(), "sleep", "600"));
        Path cmdline = Path.of("/proc", Long.toString(h.pid()), "cmdline");
        // setsid execs the program in place: the same pid soon runs "sleep".
        org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(10))
                .until(() -> Files.readString(cmdline).replace('\0', ' ').startsWith("sleep 600"));
        String stat = Files.readString(Path.of("/proc", Long.toString(h.pid()), "stat"));
        String[] fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
        long session = Long.parseLong(fields[3]); // state, ppid, pgrp, session
        org.assertj.core.api.Assertions.assertThat(session).isEqualTo(h.pid());
    }

    @Test
    void closeStopsEveryInstance() throws Exception {
        ProcessDriver d = driver();
        InstanceHandle a = start(d, sampleApp("z-1", logs(), Resources.NONE, Map.of()));
        InstanceHandle b = start(d, command("z-2", logs(), "sleep", "600"));
        await().atMost(UP).until(() -> get(a.port(), "/health") == 200);

        d.close();

        assertThat(alive(a.pid())).isFalse();
        assertThat(alive(b.pid())).isFalse();
        assertThat(d.exit("z-1").getNow(null).reason()).isEqualTo("stopped");
    }
}
