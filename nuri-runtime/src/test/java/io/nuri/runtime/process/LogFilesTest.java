package io.nuri.runtime.process;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.nuri.runtime.InstanceHandle;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LogFilesTest {
    private static final int MAX = 8 * 1024;

    @TempDir
    Path dir;

    private ProcessDriver driver;
    private final List<Long> pids = new CopyOnWriteArrayList<>();

    @AfterEach
    void stopEverything() {
        if (driver != null) {
            driver.close();
            Instances.killMarked(driver.ownerId());
        }
        pids.forEach(Instances::killTree);
    }

    @Test
    void rotationCapsTheLogAndTailAndFollowReadAcrossIt() throws Exception {
        driver = ProcessDriver.builder().dataDir(dir.resolve("data")).logMaxBytes(MAX).logFiles(2)
                .sampleInterval(Duration.ofMillis(400)).build();
        // Rotation runs on the driver's tick (400 ms here); driver.follow polls every 200 ms, and a
        // follower that misses two rotations in a row loses the middle one (LogFollower's stated
        // limit), hence twice the poll. The test's own follower polls every 50 ms: a line missing
        // there is a line the rotation itself lost (copytruncate's window).
        // ~110-byte numbered lines, a few hundred per second: several rotations in three seconds
        String pad = "x".repeat(96);
        InstanceHandle h = driver.start(Instances.command("log-1", dir.resolve("logs"), "sh", "-c",
                "i=0; while true; do printf 'line %06d " + pad + "\\n' $i; i=$((i+1)); sleep 0.002; done"));
        pids.add(h.pid());
        LogFollower follower = new LogFollower(h.logFile(), true);
        List<String> followed = new ArrayList<>();
        List<String> streamed = new CopyOnWriteArrayList<>();
        AutoCloseable stream = driver.follow("log-1", streamed::add);

        long maxSeen = 0;
        long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(3);
        while (System.nanoTime() < until) {
            followed.addAll(follower.poll());
            maxSeen = Math.max(maxSeen, Files.size(h.logFile()));
            Thread.sleep(50);
        }
        driver.stop("log-1", Duration.ofSeconds(2)).get(5, TimeUnit.SECONDS);
        followed.addAll(follower.poll());
        Thread.sleep(300);
        stream.close();

        assertThat(Files.exists(LogFiles.rotated(h.logFile(), 1))).isTrue();
        assertThat(Files.exists(LogFiles.rotated(h.logFile(), 2))).isTrue();
        assertThat(Files.exists(LogFiles.rotated(h.logFile(), 3))).isFalse();
        // the cap holds up to what is written in one tick
        assertThat(maxSeen).isLessThan(MAX + 64 * 1024);
        assertThat(numbers(followed).size()).as("followed lines").isGreaterThan(2 * MAX / 110);
        assertConsecutive(numbers(followed), 0);
        List<Integer> s = numbers(streamed);
        assertThat(s).isNotEmpty();
        assertConsecutive(s, s.get(0));

        List<String> tail = driver.tail("log-1", 100);
        assertThat(tail).hasSize(100);
        List<Integer> t = numbers(tail);
        assertConsecutive(t, t.get(0));
        assertThat(t.get(99)).isEqualTo(numbers(followed).getLast());
    }

    private static List<Integer> numbers(List<String> lines) {
        return lines.stream().filter(l -> l.startsWith("line ")).map(l -> Integer.parseInt(l.substring(5, 11))).toList();
    }

    private static void assertConsecutive(List<Integer> ns, int first) {
        for (int i = 0; i < ns.size(); i++) {
            assertThat(ns.get(i)).as("line #%d", i).isEqualTo(first + i);
        }
    }

    @Test
    void tailReadsBackwardsAndKeepsALastLineWithoutNewline() throws Exception {
        Path f = dir.resolve("a.log");
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < 20_000; i++) {
            sb.append("entry ").append(i).append('\n');
        }
        sb.append("partial");
        Files.writeString(f, sb);
        Files.writeString(LogFiles.rotated(f, 1), "old 1\nold 2\n");

        assertThat(LogFiles.tail(f, 3, 3)).containsExactly("entry 19998", "entry 19999", "partial");
        assertThat(LogFiles.tail(f, 0, 3)).isEmpty();
        Files.writeString(f, "only\n");
        assertThat(LogFiles.tail(f, 3, 3)).containsExactly("old 1", "old 2", "only");
        assertThat(LogFiles.tail(dir.resolve("missing.log"), 3, 3)).isEmpty();
    }

    @Test
    void followerWaitsForCompleteLinesAndNoticesATruncate() throws Exception {
        Path f = dir.resolve("b.log");
        Files.writeString(f, "before\n");
        LogFollower fol = new LogFollower(f, false);
        assertThat(fol.poll()).isEmpty();
        Files.writeString(f, "one\ntw", java.nio.file.StandardOpenOption.APPEND);
        assertThat(fol.poll()).containsExactly("one");
        Files.writeString(f, "o\n", java.nio.file.StandardOpenOption.APPEND);
        assertThat(fol.poll()).containsExactly("two");
        assertThat(LogFiles.rotateIfNeeded(f, 4, 2)).isTrue();
        assertThat(Files.size(f)).isZero();
        Files.writeString(f, "three\n", java.nio.file.StandardOpenOption.APPEND);
        assertThat(fol.poll()).containsExactly("three");
        await().until(() -> Files.exists(LogFiles.rotated(f, 1)));
    }

    @Test
    void aClosedLogRotatesByRenameAndAFollowerReadsAcrossItAsAcrossACopytruncate() throws Exception {
        Path f = dir.resolve("access.log");
        LogFollower fol = new LogFollower(f, true);
        Files.writeString(f, "one\n");
        assertThat(fol.poll()).containsExactly("one");
        Files.writeString(f, "two\n", java.nio.file.StandardOpenOption.APPEND);
        LogIndex.append(f, 1_000, 4);
        assertThat(LogFiles.rotateClosedIfNeeded(f, 100, 2)).as("not over the size").isFalse();
        Object inode = Files.readAttributes(f, java.nio.file.attribute.BasicFileAttributes.class).fileKey();

        assertThat(LogFiles.rotateClosedIfNeeded(f, 4, 2)).isTrue();
        assertThat(f).doesNotExist(); // the writer opens a new one
        Path first = LogFiles.rotated(f, 1);
        assertThat(Files.readAttributes(first, java.nio.file.attribute.BasicFileAttributes.class).fileKey())
                .as("renamed, not copied").isEqualTo(inode);
        assertThat(LogIndex.of(f)).doesNotExist();
        assertThat(LogIndex.read(LogIndex.of(first))).extracting(LogIndex.Mark::offset).containsExactly(4L, 8L);

        Files.writeString(f, "three\n");
        assertThat(fol.poll()).containsExactly("two", "three");
        assertThat(LogFiles.rotateClosedIfNeeded(f, 4, 2)).isTrue();
        Files.writeString(f, "four\n");
        assertThat(LogFiles.rotateClosedIfNeeded(f, 4, 2)).isTrue();
        assertThat(Files.readString(LogFiles.rotated(f, 1))).isEqualTo("four\n");
        assertThat(Files.readString(LogFiles.rotated(f, 2))).isEqualTo("three\n");
        assertThat(LogFiles.rotated(f, 3)).as("the oldest falls off").doesNotExist();
    }

    @Test
    void theDriverIndexesTimesThatSurviveRotationAndSearchFindsLinesNewestFirst() throws Exception {
        driver = ProcessDriver.builder().dataDir(dir.resolve("data")).logMaxBytes(MAX).logFiles(2)
                .sampleInterval(Duration.ofMillis(200)).build();
        // ~110-byte numbered lines every 10 ms: a rotation every ~0.8 s, four seconds of them
        String pad = "x".repeat(96);
        long start = System.currentTimeMillis();
        InstanceHandle h = driver.start(Instances.command("log-2", dir.resolve("logs"), "sh", "-c",
                "i=0; while true; do printf 'line %06d " + pad + "\\n' $i; i=$((i+1)); sleep 0.01; done"));
        pids.add(h.pid());
        Thread.sleep(2000);
        long middle = System.currentTimeMillis();
        Thread.sleep(2000);
        driver.stop("log-2", Duration.ofSeconds(2)).get(5, TimeUnit.SECONDS);
        long end = System.currentTimeMillis();

        assertThat(LogIndex.of(LogFiles.rotated(h.logFile(), 1))).exists();
        assertThat(h.logFile().resolveSibling("log-2.log.meta")).exists();
        List<LogSearch.Source> sources = driver.logSources("default", "cmd");
        assertThat(sources).extracting(LogSearch.Source::instance).containsExactly("log-2");
        LogSearch.Result all = LogSearch.search(sources,
                new LogSearch.Query(l -> l.startsWith("line "), Long.MIN_VALUE, Long.MAX_VALUE, 100_000, 1 << 24));
        List<Integer> n = numbers(all.hits().stream().map(LogSearch.Hit::line).toList());
        assertThat(n.size()).isGreaterThan(2 * MAX / 110); // live + two rotated files
        assertThat(n).isSortedAccordingTo(java.util.Comparator.reverseOrder()).doesNotHaveDuplicates();
        List<Long> times = all.hits().stream().map(LogSearch.Hit::timeMillis).toList();
        assertThat(times).isSortedAccordingTo(java.util.Comparator.reverseOrder());
        assertThat(times).allSatisfy(t -> assertThat(t).isBetween(start - 1000, end + 1000));
        // the index spreads the lines over the run, not all at one mtime
        assertThat(times.getFirst() - times.getLast()).isGreaterThan(1500);

        LogSearch.Result late = LogSearch.search(sources,
                new LogSearch.Query(l -> l.startsWith("line "), middle, Long.MAX_VALUE, 100_000, 1 << 24));
        assertThat(late.hits()).isNotEmpty().allSatisfy(hit -> assertThat(hit.timeMillis()).isGreaterThanOrEqualTo(middle));
        assertThat(late.hits().size()).isLessThan(all.hits().size());
        assertThat(late.hits().getFirst().line()).isEqualTo(all.hits().getFirst().line());
    }
}
