package io.nuri.runtime.process;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Objects;
import java.util.PriorityQueue;
import java.util.function.Predicate;

/**
 * Searches logs and their rotated files, newest line first across all of them, with bounded
 * work: at most {@code limit} hits, {@code maxBytes} read and, when given, a deadline; any bound
 * reached sets {@code truncated}.
 *
 * <p>Times come from the side index ({@link LogIndex}): a line's time is the first mark at or
 * after its end (the log's mtime for lines after the last mark). The index also narrows the bytes
 * read for {@code since}/{@code until} to the marks in range, so an hour-old window of a 10 MB log
 * does not read the other 9.9 MB. A log without index (written before there was one) reports
 * every line at its file's mtime.
 *
 * <p>Each file is read backwards in 64 KiB chunks; the files are merged by a priority queue on
 * each one's next line time, so hits are in time order whatever the number of instances.
 *
 * <p>A log that is not a local file ({@link Remote}, e.g. a pod log from the Kubernetes API) is
 * read whole into memory by its owner, within its share of the byte budget, and then goes through
 * the same merge, time range, matcher, limit and deadline as the files.
 */
public final class LogSearch {
    private static final int CHUNK = 64 * 1024;

    private LogSearch() {}

    /** One instance's log as search sees it before reading it. */
    public sealed interface Log permits Source, Remote {
        String instance();

        int revision();
    }

    /** One log: the live file {@code log} and {@code log.1 .. log.kept}. */
    public record Source(String instance, int revision, Path log, int kept) implements Log {}

    /** A log read by its owner when searched, e.g. over the network. */
    public non-sealed interface Remote extends Log {
        /**
         * Reads the lines the query may need, at most {@code maxBytes}, oldest first. Lines after
         * the deadline or the byte bound are left out and {@link Fetched#cut} said.
         */
        Fetched fetch(Query q, long maxBytes) throws IOException;
    }

    /**
     * @param lines oldest first, each with its time
     * @param bytes read for them (counted against {@code maxBytes})
     * @param cut lines in the range may have been left out (a bound was reached): the answer is truncated
     */
    public record Fetched(List<Line> lines, long bytes, boolean cut) {
        public Fetched {
            lines = List.copyOf(lines);
        }
    }

    public record Line(long timeMillis, String text) {}

    /**
     * @param matcher applied to each line in the time range
     * @param sinceMillis inclusive lower bound on a line's time (Long.MIN_VALUE: none)
     * @param untilMillis inclusive upper bound (Long.MAX_VALUE: none)
     */
    public record Query(Predicate<String> matcher, long sinceMillis, long untilMillis, int limit, long maxBytes,
            long deadlineNanos) {
        /** Without a time limit (the byte budget still bounds the work). */
        public Query(Predicate<String> matcher, long sinceMillis, long untilMillis, int limit, long maxBytes) {
            this(matcher, sinceMillis, untilMillis, limit, maxBytes, Long.MAX_VALUE);
        }

        public Query {
            Objects.requireNonNull(matcher, "matcher");
            if (limit < 1) {
                throw new IllegalArgumentException("limit: " + limit + " (expected: > 0)");
            }
            if (maxBytes < 1) {
                throw new IllegalArgumentException("maxBytes: " + maxBytes + " (expected: > 0)");
            }
        }

        /** True once the deadline (if any) has passed. */
        public boolean pastDeadline() {
            return deadlineNanos != Long.MAX_VALUE && System.nanoTime() - deadlineNanos > 0;
        }
    }

    public record Hit(String instance, int revision, long timeMillis, String line) {}

    public record Result(List<Hit> hits, boolean truncated, long bytesScanned) {}

    public static Result search(List<? extends Log> logs, Query q) throws IOException {
        List<Cursor> cursors = new ArrayList<>();
        Budget budget = new Budget(q.maxBytes());
        boolean cut = false;
        try {
            int order = 0;
            int remotesLeft = (int) logs.stream().filter(Remote.class::isInstance).count();
            for (Log log : logs) {
                switch (log) {
                    case Source s -> {
                        for (int n = 0; n <= s.kept(); n++) {
                            Path f = n == 0 ? s.log() : LogFiles.rotated(s.log(), n);
                            Cursor c = FileCursor.open(s, f, order++, q, budget);
                            if (c != null) {
                                cursors.add(c);
                            }
                        }
                    }
                    case Remote r -> {
                        // each remote log gets an equal share of what is left, so the first cannot starve the rest
                        long share = (budget.max - budget.used) / remotesLeft--;
                        if (share < 1 || q.pastDeadline()) {
                            cut = true;
                            continue;
                        }
                        Fetched f = r.fetch(q, share);
                        budget.used += f.bytes();
                        cut |= f.cut();
                        cursors.add(new MemoryCursor(r, order++, f.lines()));
                    }
                }
            }
            PriorityQueue<Cursor> queue = new PriorityQueue<>(Comparator.comparingLong((Cursor c) -> -c.nextTime)
                    .thenComparingInt(c -> c.order));
            for (Cursor c : cursors) {
                if (c.advance()) {
                    queue.add(c);
                }
            }
            List<Hit> hits = new ArrayList<>();
            boolean truncated = false;
            long checked = 0;
            while (!queue.isEmpty()) {
                if (hits.size() >= q.limit()) {
                    truncated = true; // lines in range remain unread: there may be more hits
                    break;
                }
                // a slow regex: stop at the deadline (System.nanoTime() every 256 lines)
                if ((++checked & 255) == 0 && q.pastDeadline()) {
                    truncated = true;
                    break;
                }
                Cursor c = queue.poll();
                if (c.nextTime >= q.sinceMillis() && c.nextTime <= q.untilMillis() && q.matcher().test(c.nextLine)) {
                    hits.add(new Hit(c.log.instance(), c.log.revision(), c.nextTime, c.nextLine));
                }
                if (c.advance()) {
                    queue.add(c);
                }
            }
            return new Result(List.copyOf(hits), truncated || cut || budget.exhausted, budget.used);
        } finally {
            for (Cursor c : cursors) {
                c.close();
            }
        }
    }

    private static final class Budget {
        final long max;
        long used;
        boolean exhausted;

        Budget(long max) {
            this.max = max;
        }
    }

    /** One log's lines, newest first: {@link #advance} moves to the previous line. */
    private abstract static class Cursor {
        final Log log;
        final int order;
        String nextLine;
        long nextTime;

        Cursor(Log log, int order) {
            this.log = log;
            this.order = order;
        }

        /** Moves to the previous line; false when this log has nothing more in range. */
        abstract boolean advance() throws IOException;

        void close() {}
    }

    /** A remote log's lines, already read, oldest first. */
    private static final class MemoryCursor extends Cursor {
        final List<Line> lines;
        int next;

        MemoryCursor(Log log, int order, List<Line> lines) {
            super(log, order);
            this.lines = lines;
            this.next = lines.size();
        }

        @Override
        boolean advance() {
            if (next == 0) {
                return false;
            }
            Line l = lines.get(--next);
            nextLine = l.text();
            nextTime = l.timeMillis();
            return true;
        }
    }

    /** Reads one file's lines backwards between the byte bounds the index gives for the time range. */
    private static final class FileCursor extends Cursor {
        final Budget budget;
        final FileChannel ch;
        final long[] markOffsets;
        final long[] markTimes;
        final long mtime;
        final long size;
        final long lo; // soft: the line containing lo is still read
        final boolean dropPartialTop;
        byte[] acc = new byte[0]; // file bytes [accStart, accStart + acc.length)
        long accStart;
        long accEnd; // end (exclusive) of the next line to return
        boolean first = true;
        boolean done;

        private FileCursor(Source source, int order, Budget budget, FileChannel ch, List<LogIndex.Mark> marks, long mtime,
                long size, long lo, long hi) {
            super(source, order);
            this.budget = budget;
            this.ch = ch;
            this.markOffsets = marks.stream().mapToLong(LogIndex.Mark::offset).toArray();
            this.markTimes = marks.stream().mapToLong(LogIndex.Mark::timeMillis).toArray();
            this.mtime = mtime;
            this.size = size;
            this.lo = lo;
            this.accStart = hi;
            this.accEnd = hi;
            this.dropPartialTop = hi < size;
        }

        static FileCursor open(Source s, Path f, int order, Query q, Budget budget) throws IOException {
            long size;
            long mtime;
            try {
                size = Files.size(f);
                mtime = Files.getLastModifiedTime(f).toMillis();
            } catch (NoSuchFileException e) {
                return null;
            }
            if (size == 0) {
                return null;
            }
            List<LogIndex.Mark> marks = LogIndex.read(LogIndex.of(f)).stream().filter(m -> m.offset() <= size).toList();
            // hi: end of the last line whose time <= until; lines after the last mark carry the mtime
            long hi;
            if (mtime <= q.untilMillis()) {
                hi = size;
            } else {
                hi = 0;
                for (LogIndex.Mark m : marks) {
                    if (m.timeMillis() <= q.untilMillis()) {
                        hi = m.offset();
                    }
                }
            }
            // lo: lines ending after the last mark older than since have times >= since
            long lo = 0;
            boolean any = mtime >= q.sinceMillis();
            for (LogIndex.Mark m : marks) {
                if (m.timeMillis() < q.sinceMillis()) {
                    lo = m.offset();
                } else {
                    any = true;
                    break;
                }
            }
            if (hi <= lo || !any) {
                return null;
            }
            FileChannel ch;
            try {
                ch = FileChannel.open(f, StandardOpenOption.READ);
            } catch (NoSuchFileException e) {
                return null;
            }
            return new FileCursor(s, order, budget, ch, marks, mtime, size, lo, hi);
        }

        @Override
        boolean advance() throws IOException {
            while (!done) {
                if (accEnd <= lo) {
                    done = true;
                    break;
                }
                // the newline ending the line before ours: search acc backwards from accEnd - 2
                int rel = (int) (accEnd - accStart);
                int j = Math.max(rel - 2, -1);
                while (j >= 0 && acc[j] != '\n') {
                    j--;
                }
                if (j < 0 && accStart > 0) {
                    if (!readMore()) {
                        done = true; // out of budget
                        break;
                    }
                    continue; // a chunk more: search again
                }
                int from = j + 1;
                boolean complete = rel > 0 && acc[rel - 1] == '\n';
                long end = accEnd;
                String line = LogFiles.decode(acc, from, complete ? rel - 1 : rel);
                accEnd = accStart + from;
                boolean topPartial = first && !complete;
                first = false;
                if (topPartial && dropPartialTop) {
                    continue; // a line cut at hi: it ends after until
                }
                if (rel == 0) {
                    continue;
                }
                nextLine = line;
                nextTime = timeOf(end);
                return true;
            }
            close();
            return false;
        }

        /** Prepends one chunk before accStart; false when the budget is spent. */
        private boolean readMore() throws IOException {
            long room = budget.max - budget.used;
            if (room <= 0) {
                budget.exhausted = true;
                return false;
            }
            // down to lo in chunks; below it only the start of the line that crosses lo, in small steps
            long floor = accStart > lo ? Math.max(lo, accStart - CHUNK) : Math.max(0, accStart - 256);
            int len = (int) Math.min(accStart - floor, room);
            long pos = accStart - len;
            ByteBuffer buf = ByteBuffer.allocate(len);
            while (buf.hasRemaining()) {
                if (ch.read(buf, pos + buf.position()) <= 0) {
                    break;
                }
            }
            budget.used += len;
            int keep = (int) (accEnd - accStart); // bytes already returned are dropped
            byte[] joined = new byte[len + keep];
            System.arraycopy(buf.array(), 0, joined, 0, len);
            System.arraycopy(acc, 0, joined, len, keep);
            acc = joined;
            accStart = pos;
            return true;
        }

        /** The first mark at or after {@code end}; the mtime after the last mark. */
        private long timeOf(long end) {
            int lo = 0;
            int hi = markOffsets.length;
            while (lo < hi) {
                int mid = (lo + hi) >>> 1;
                if (markOffsets[mid] >= end) {
                    hi = mid;
                } else {
                    lo = mid + 1;
                }
            }
            return lo < markOffsets.length ? markTimes[lo] : mtime;
        }

        @Override
        void close() {
            try {
                ch.close();
            } catch (IOException ignored) {
                // read-only
            }
        }
    }
}
