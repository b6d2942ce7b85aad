package io.nuri.runtime.process;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;

/**
 * The time index beside a log: {@code <log>.idx}, one text record {@code "<epochMillis> <offset>\n"}
 * per mark, meaning "the first {@code offset} bytes of the log had been written by then".
 *
 * <p>Why a side index and not a timestamp on every line: instances write their log themselves
 * through an O_APPEND descriptor (no pipe through the platform), so an instance survives a
 * {@code kill -9} of the platform and keeps logging. A pump that stamps lines would put the
 * platform between the process and its file; the index keeps the platform out of the write path.
 * The cost is resolution: a line gets the time of the first mark at or after its end, at most one
 * driver tick (1 s) late while the platform runs. The mark uses the log's mtime (the time of its
 * last write), not the clock, so it is never later than the write it covers; lines written while
 * the platform was down all get the mtime seen by the first mark after it came back.
 *
 * <p>The index rotates with its log ({@link LogFiles#rotateIfNeeded}, {@link LogFiles#rotateClosedIfNeeded}): {@code <log>.1.idx} indexes
 * {@code <log>.1}. A torn last record (the writer killed mid-line) is ignored when read.
 */
public final class LogIndex {
    private LogIndex() {}

    /** One mark: the log's first {@code offset} bytes were written by {@code timeMillis}. */
    public record Mark(long timeMillis, long offset) {}

    public static Path of(Path log) {
        return log.resolveSibling(log.getFileName() + ".idx");
    }

    /**
     * Records the log's current size with its mtime, when it grew since the last mark (or shrank:
     * truncated by someone else). Called once per driver tick per live instance.
     */
    public static void mark(Path log) throws IOException {
        long size;
        long mtime;
        try {
            size = Files.size(log);
            mtime = Files.getLastModifiedTime(log).toMillis();
        } catch (NoSuchFileException e) {
            return;
        }
        Mark last = last(of(log));
        if (last != null && last.offset() == size) {
            return;
        }
        append(log, mtime, size);
    }

    /** Appends a mark (for writers that know the time of their own write, like the access log). */
    public static void append(Path log, long timeMillis, long offset) throws IOException {
        byte[] rec = (timeMillis + " " + offset + "\n").getBytes(StandardCharsets.US_ASCII);
        try (FileChannel ch = FileChannel.open(of(log), StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.APPEND)) {
            ByteBuffer buf = ByteBuffer.wrap(rec);
            while (buf.hasRemaining()) {
                ch.write(buf);
            }
        }
    }

    /** Every complete record of an index, oldest first; empty when missing. */
    public static List<Mark> read(Path index) throws IOException {
        List<Mark> out = new ArrayList<>();
        byte[] bytes;
        try {
            bytes = Files.readAllBytes(index);
        } catch (NoSuchFileException e) {
            return out;
        }
        int start = 0;
        for (int i = 0; i < bytes.length; i++) {
            if (bytes[i] == '\n') {
                Mark m = parse(new String(bytes, start, i - start, StandardCharsets.US_ASCII));
                // offsets only grow within one file; a smaller one would be a foreign truncate: keep order
                if (m != null && (out.isEmpty() || m.offset() >= out.getLast().offset())) {
                    out.add(m);
                }
                start = i + 1;
            }
        }
        return out;
    }

    /** The last complete record, reading only the tail of the index; null when none. */
    static Mark last(Path index) throws IOException {
        try (FileChannel ch = FileChannel.open(index, StandardOpenOption.READ)) {
            long size = ch.size();
            int len = (int) Math.min(64, size);
            ByteBuffer buf = ByteBuffer.allocate(len);
            while (buf.hasRemaining() && ch.read(buf, size - len + buf.position()) > 0) {
                // read fully
            }
            String tail = new String(buf.array(), 0, buf.position(), StandardCharsets.US_ASCII);
            int end = tail.lastIndexOf('\n');
            if (end < 0) {
                return null;
            }
            int start = tail.lastIndexOf('\n', end - 1) + 1;
            return parse(tail.substring(start, end));
        } catch (NoSuchFileException e) {
            return null;
        }
    }

    private static Mark parse(String rec) {
        int sp = rec.indexOf(' ');
        if (sp <= 0) {
            return null;
        }
        try {
            return new Mark(Long.parseLong(rec.substring(0, sp)), Long.parseLong(rec.substring(sp + 1)));
        } catch (NumberFormatException e) {
            return null;
        }
    }
}
