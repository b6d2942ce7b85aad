package io.nuri.runtime.process;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileTime;
import java.util.List;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Log search over files, side indexes and copytruncate rotation, with times set by hand. */
class LogSearchTest {
    private static final long T0 = 1_800_000_000_000L;

    @TempDir
    Path dir;

    /** Appends lines and marks them written at {@code time} (index record and mtime). */
    private static void write(Path log, long time, String... lines) throws IOException {
        StringBuilder b = new StringBuilder();
        for (String l : lines) {
            b.append(l).append('\n');
        }
        Files.writeString(log, b, StandardCharsets.UTF_8, StandardOpenOption.CREATE, StandardOpenOption.APPEND);
        Files.setLastModifiedTime(log, FileTime.fromMillis(time));
        LogIndex.mark(log);
    }

    private static LogSearch.Query query(String text, long since, long until, int limit, long maxBytes) {
        return new LogSearch.Query(l -> l.contains(text), since, until, limit, maxBytes);
    }

    private static List<String> lines(LogSearch.Result r) {
        return r.hits().stream().map(LogSearch.Hit::line).toList();
    }

    @Test
    void findsLinesNewestFirstAcrossRotatedFilesWithTheTimesOfTheirMarks() throws Exception {
        Path log = dir.resolve("i1.log");
        write(log, T0, "a1 GET /x", "a2 POST /y");
        write(log, T0 + 1000, "a3 GET /z");
        assertThat(LogFiles.rotateIfNeeded(log, 10, 2)).isTrue();
        write(log, T0 + 2000, "b1 GET /x");
        assertThat(LogFiles.rotateIfNeeded(log, 5, 2)).isTrue();
        write(log, T0 + 3000, "c1 GET /q", "c2 DELETE /x");
        assertThat(LogIndex.of(LogFiles.rotated(log, 2))).exists();

        LogSearch.Result r = LogSearch.search(List.of(new LogSearch.Source("i1", 3, log, 2)),
                query("GET", Long.MIN_VALUE, Long.MAX_VALUE, 100, 1 << 20));

        assertThat(lines(r)).containsExactly("c1 GET /q", "b1 GET /x", "a3 GET /z", "a1 GET /x");
        assertThat(r.hits()).extracting(LogSearch.Hit::timeMillis).containsExactly(T0 + 3000, T0 + 2000, T0 + 1000, T0);
        assertThat(r.hits()).allSatisfy(h -> assertThat(h.instance()).isEqualTo("i1"));
        assertThat(r.hits()).allSatisfy(h -> assertThat(h.revision()).isEqualTo(3));
        assertThat(r.truncated()).isFalse();
    }

    @Test
    void sinceAndUntilAreInclusiveAndReadOnlyTheMarksInRange() throws Exception {
        Path log = dir.resolve("i1.log");
        for (int s = 0; s < 10; s++) {
            write(log, T0 + s * 1000L, "line " + s + " " + "x".repeat(200));
        }
        LogSearch.Result r = LogSearch.search(List.of(new LogSearch.Source("i1", 1, log, 2)),
                query("line", T0 + 3000, T0 + 5000, 100, 1 << 20));

        assertThat(r.hits()).extracting(h -> h.line().substring(0, 6)).containsExactly("line 5", "line 4", "line 3");
        assertThat(r.hits()).extracting(LogSearch.Hit::timeMillis).containsExactly(T0 + 5000, T0 + 4000, T0 + 3000);
        // 3 lines of ~208 bytes (+ at most one line of slack below since), not the whole 2 KB file
        assertThat(r.bytesScanned()).isLessThan(1000);
    }

    @Test
    void linesAfterTheLastMarkCarryTheFileMtime() throws Exception {
        Path log = dir.resolve("i1.log");
        write(log, T0, "old");
        Files.writeString(log, "new one\npartial", StandardOpenOption.APPEND);
        Files.setLastModifiedTime(log, FileTime.fromMillis(T0 + 7000));

        LogSearch.Result r = LogSearch.search(List.of(new LogSearch.Source("i1", 1, log, 2)),
                new LogSearch.Query(l -> true, Long.MIN_VALUE, Long.MAX_VALUE, 10, 1 << 20));

        assertThat(lines(r)).containsExactly("partial", "new one", "old");
        assertThat(r.hits()).extracting(LogSearch.Hit::timeMillis).containsExactly(T0 + 7000, T0 + 7000, T0);
    }

    @Test
    void mergesInstancesByTime() throws Exception {
        Path a = dir.resolve("a.log");
        Path b = dir.resolve("b.log");
        write(a, T0, "a at 0");
        write(b, T0 + 1000, "b at 1");
        write(a, T0 + 2000, "a at 2");
        write(b, T0 + 3000, "b at 3");

        LogSearch.Result r = LogSearch.search(List.of(new LogSearch.Source("a", 1, a, 2), new LogSearch.Source("b", 2, b, 2)),
                new LogSearch.Query(Pattern.compile("at [0-9]").asPredicate(), Long.MIN_VALUE, Long.MAX_VALUE, 10, 1 << 20));

        assertThat(lines(r)).containsExactly("b at 3", "a at 2", "b at 1", "a at 0");
        assertThat(r.hits()).extracting(LogSearch.Hit::instance).containsExactly("b", "a", "b", "a");
    }

    @Test
    void limitAndByteBudgetTruncate() throws Exception {
        Path log = dir.resolve("i1.log");
        for (int s = 0; s < 100; s++) {
            write(log, T0 + s, "hit " + s + " " + "y".repeat(100));
        }
        LogSearch.Source src = new LogSearch.Source("i1", 1, log, 2);

        LogSearch.Result limited = LogSearch.search(List.of(src), query("hit", Long.MIN_VALUE, Long.MAX_VALUE, 5, 1 << 20));
        assertThat(limited.hits()).hasSize(5);
        assertThat(limited.hits().getFirst().line()).startsWith("hit 99 ");
        assertThat(limited.truncated()).isTrue();

        LogSearch.Result budget = LogSearch.search(List.of(src), query("hit", Long.MIN_VALUE, Long.MAX_VALUE, 1000, 1000));
        assertThat(budget.bytesScanned()).isEqualTo(1000);
        assertThat(budget.hits()).hasSizeBetween(8, 10);
        assertThat(budget.truncated()).isTrue();

        LogSearch.Result all = LogSearch.search(List.of(src), query("hit", Long.MIN_VALUE, Long.MAX_VALUE, 100, 1 << 20));
        assertThat(all.hits()).hasSize(100);
        assertThat(all.truncated()).isFalse();
    }

    @Test
    void aPassedDeadlineStopsTheSearchAsTruncated() throws Exception {
        Path log = dir.resolve("i1.log");
        String[] lines = new String[1000];
        for (int i = 0; i < lines.length; i++) {
            lines[i] = "line " + i;
        }
        write(log, T0, lines);
        LogSearch.Source src = new LogSearch.Source("i1", 1, log, 2);
        LogSearch.Result late = LogSearch.search(List.of(src),
                new LogSearch.Query(l -> true, Long.MIN_VALUE, Long.MAX_VALUE, 5000, 1 << 20, System.nanoTime() - 1));
        assertThat(late.truncated()).isTrue();
        assertThat(late.hits()).hasSize(255); // the clock is read every 256 lines
        LogSearch.Result inTime = LogSearch.search(List.of(src),
                new LogSearch.Query(l -> true, Long.MIN_VALUE, Long.MAX_VALUE, 5000, 1 << 20, System.nanoTime() + 60_000_000_000L));
        assertThat(inTime.truncated()).isFalse();
        assertThat(inTime.hits()).hasSize(1000);
    }

    /** A log read elsewhere (a pod log): its lines and bytes as the owner returns them, the shares it was given. */
    private record Fetching(String instance, int revision, LogSearch.Fetched fetched, List<Long> shares)
            implements LogSearch.Remote {
        Fetching(String instance, int revision, LogSearch.Fetched fetched) {
            this(instance, revision, fetched, new java.util.ArrayList<>());
        }

        @Override
        public LogSearch.Fetched fetch(LogSearch.Query q, long maxBytes) {
            shares.add(maxBytes);
            return fetched;
        }
    }

    @Test
    void remoteLogsGoThroughTheSameMergeRangeAndLimitAsFiles() throws Exception {
        Path log = dir.resolve("i1.log");
        write(log, T0 + 1000, "file GET /a");
        Fetching pod = new Fetching("pod-1", 4, new LogSearch.Fetched(List.of(new LogSearch.Line(T0, "pod GET /old"),
                new LogSearch.Line(T0 + 2000, "pod POST /b"), new LogSearch.Line(T0 + 3000, "pod GET /c")), 40, false));
        Fetching other = new Fetching("pod-2", 4, new LogSearch.Fetched(List.of(), 0, false));

        LogSearch.Result r = LogSearch.search(List.of(new LogSearch.Source("i1", 3, log, 2), pod, other),
                query("GET", T0 + 500, Long.MAX_VALUE, 100, 1000));

        assertThat(lines(r)).containsExactly("pod GET /c", "file GET /a");
        assertThat(r.hits()).extracting(LogSearch.Hit::instance).containsExactly("pod-1", "i1");
        assertThat(r.hits()).extracting(LogSearch.Hit::revision).containsExactly(4, 3);
        assertThat(r.bytesScanned()).isEqualTo(12 + 40);
        assertThat(r.truncated()).isFalse();
        // the budget shared equally by the remote logs (files, read during the merge, take what is left)
        assertThat(pod.shares()).containsExactly(500L);
        assertThat(other.shares()).as("what the first left").containsExactly(1000L - 40);
        assertThat(LogSearch.search(List.of(pod), query("GET", Long.MIN_VALUE, Long.MAX_VALUE, 1, 1000)).truncated())
                .as("limit").isTrue();
    }

    @Test
    void aRemoteLogCutByItsBoundOrTheDeadlineMakesTheAnswerTruncated() throws Exception {
        Fetching cut = new Fetching("pod-1", 1, new LogSearch.Fetched(List.of(new LogSearch.Line(T0, "x")), 1, true));
        LogSearch.Result r = LogSearch.search(List.of(cut), query("x", Long.MIN_VALUE, Long.MAX_VALUE, 100, 1000));
        assertThat(lines(r)).containsExactly("x");
        assertThat(r.truncated()).isTrue();

        Fetching whole = new Fetching("pod-1", 1, new LogSearch.Fetched(List.of(new LogSearch.Line(T0, "x")), 1, false));
        LogSearch.Result late = LogSearch.search(List.of(whole),
                new LogSearch.Query(l -> true, Long.MIN_VALUE, Long.MAX_VALUE, 100, 1000, System.nanoTime() - 1));
        assertThat(whole.shares()).as("not fetched after the deadline").isEmpty();
        assertThat(late.truncated()).isTrue();
    }

    @Test
    void aTornIndexRecordIsIgnored() throws Exception {
        Path log = dir.resolve("i1.log");
        write(log, T0, "one");
        Files.writeString(LogIndex.of(log), "18000000", StandardOpenOption.APPEND); // killed mid-record
        assertThat(LogIndex.read(LogIndex.of(log))).containsExactly(new LogIndex.Mark(T0, 4));
    }
}
