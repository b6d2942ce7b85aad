package io.nuri.runtime.process;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * An instance's log: {@code <id>.log}, written by the instance itself through a descriptor
 * opened with O_APPEND, and its rotated predecessors {@code <id>.log.1} (newest) to
 * {@code <id>.log.N}.
 *
 * <p>Rotation is copytruncate, as in logrotate: the live file is copied to {@code .1} and
 * truncated in place. The instance keeps its descriptor (we cannot reopen it for a process that
 * may outlive us), and O_APPEND makes its next write land at the new end of file instead of
 * leaving a hole of zeros at the old offset. The known cost: lines the instance writes between
 * the last copied byte and the truncate are lost; the copy loop below shrinks that window to the
 * time of one {@code size()} call. The time index ({@link LogIndex}, {@code <id>.log.idx}) rotates
 * with its log: {@code <id>.log.1.idx} indexes {@code <id>.log.1}.
 *
 * <p>A log whose writer is ours and can close it (the gateway's access log) rotates by rename
 * instead ({@link #rotateClosedIfNeeded}): same files, same index, nothing copied or lost.
 */
public final class LogFiles {
    private static final int CHUNK = 64 * 1024;

    private LogFiles() {}

    /** {@code <log>.<n>}: {@code rotated(log, 1)} is the newest rotated file. */
    public static Path rotated(Path log, int n) {
        return log.resolveSibling(log.getFileName() + "." + n);
    }

    /**
     * Rotates {@code log} when it is larger than {@code maxBytes}: shifts {@code .1 .. .kept-1}
     * up by one (the oldest falls off), copies the live file to {@code .1} and truncates it.
     *
     * @return true when it rotated
     */
    public static boolean rotateIfNeeded(Path log, long maxBytes, int kept) throws IOException {
        if (!shiftIfLarger(log, maxBytes, kept)) {
            return false;
        }
        Path first = rotated(log, 1);
        long pos = 0;
        try (FileChannel live = FileChannel.open(log, StandardOpenOption.READ, StandardOpenOption.WRITE);
                FileChannel copy = FileChannel.open(first, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
            // Copy until we caught up with the writer, then cut at once: the loss window is the
            // time between the last size() and truncate(). Nothing else goes between them (the
            // index work used to, and lines written meanwhile were lost: seen in LogFilesTest).
            for (long end = live.size(); pos < end; end = live.size()) {
                pos += live.transferTo(pos, end - pos, copy);
            }
            live.truncate(0);
        }
        // The time index goes with the bytes it indexes: closed at the copied end, then moved. A
        // reader in between sees offsets past the live file's end, which it reads as a truncation.
        LogIndex.append(log, Files.getLastModifiedTime(first).toMillis(), pos);
        Files.move(LogIndex.of(log), LogIndex.of(first), StandardCopyOption.REPLACE_EXISTING);
        return true;
    }

    /**
     * Rotates a log whose only writer has closed it (the gateway's access log) by renaming it to
     * {@code .1} instead of copying: no bytes are copied and none can be lost. Readers see what
     * they see after a copytruncate: {@code .1} holds everything, the live file is shorter (or
     * missing until the writer opens it again), so {@link LogFollower} and {@link LogSearch}
     * need no second way.
     *
     * @return true when it rotated
     */
    public static boolean rotateClosedIfNeeded(Path log, long maxBytes, int kept) throws IOException {
        if (!shiftIfLarger(log, maxBytes, kept)) {
            return false;
        }
        Path first = rotated(log, 1);
        LogIndex.append(log, Files.getLastModifiedTime(log).toMillis(), Files.size(log));
        Files.move(log, first, StandardCopyOption.REPLACE_EXISTING);
        Files.move(LogIndex.of(log), LogIndex.of(first), StandardCopyOption.REPLACE_EXISTING);
        return true;
    }

    /**
     * When {@code log} is larger than {@code maxBytes}, makes room for a new {@code .1}: the
     * oldest ({@code .kept}) falls off and {@code .1 .. .kept-1} move up by one, each with its index.
     */
    private static boolean shiftIfLarger(Path log, long maxBytes, int kept) throws IOException {
        long size;
        try {
            size = Files.size(log);
        } catch (NoSuchFileException e) {
            return false;
        }
        if (size <= maxBytes) {
            return false;
        }
        Files.deleteIfExists(rotated(log, kept));
        Files.deleteIfExists(LogIndex.of(rotated(log, kept)));
        for (int i = kept - 1; i >= 1; i--) {
            Path from = rotated(log, i);
            if (Files.exists(from)) {
                Files.move(from, rotated(log, i + 1), StandardCopyOption.REPLACE_EXISTING);
            }
            Path fromIndex = LogIndex.of(from);
            if (Files.exists(fromIndex)) {
                Files.move(fromIndex, LogIndex.of(rotated(log, i + 1)), StandardCopyOption.REPLACE_EXISTING);
            } else {
                Files.deleteIfExists(LogIndex.of(rotated(log, i + 1)));
            }
        }
        return true;
    }

    /**
     * The last {@code lines} lines of the log, reaching into rotated files when the live one
     * holds fewer. A last line without its newline yet is included.
     */
    public static List<String> tail(Path log, int lines, int kept) throws IOException {
        if (lines <= 0) {
            return List.of();
        }
        List<String> out = lastLines(log, lines);
        for (int i = 1; i <= kept && out.size() < lines; i++) {
            Path older = rotated(log, i);
            if (!Files.exists(older)) {
                break;
            }
            List<String> more = new ArrayList<>(lastLines(older, lines - out.size()));
            more.addAll(out);
            out = more;
        }
        return out;
    }

    /** The last {@code n} lines of one file, reading backwards in chunks; empty when missing. */
    static List<String> lastLines(Path file, int n) throws IOException {
        if (n <= 0) {
            return List.of();
        }
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            long end = ch.size();
            long pos = end;
            byte[] acc = new byte[0];
            int newlines = 0;
            // n lines need n newlines before them (n + 1 counting a trailing one)
            while (pos > 0 && newlines <= n) {
                int len = (int) Math.min(CHUNK, pos);
                pos -= len;
                ByteBuffer buf = ByteBuffer.allocate(len);
                while (buf.hasRemaining() && ch.read(buf, pos + buf.position()) > 0) {
                    // read fully
                }
                byte[] chunk = Arrays.copyOf(buf.array(), buf.position());
                for (byte b : chunk) {
                    if (b == '\n') {
                        newlines++;
                    }
                }
                byte[] joined = new byte[chunk.length + acc.length];
                System.arraycopy(chunk, 0, joined, 0, chunk.length);
                System.arraycopy(acc, 0, joined, chunk.length, acc.length);
                acc = joined;
            }
            List<String> all = splitLines(acc, pos > 0);
            return all.size() <= n ? all : List.copyOf(all.subList(all.size() - n, all.size()));
        } catch (NoSuchFileException e) {
            return List.of();
        }
    }

    /** Splits on '\n' (dropping a '\r' before it); drops a possibly partial first line. */
    private static List<String> splitLines(byte[] bytes, boolean firstIsPartial) {
        List<String> out = new ArrayList<>();
        int start = 0;
        boolean skip = firstIsPartial;
        for (int i = 0; i < bytes.length; i++) {
            if (bytes[i] == '\n') {
                if (!skip) {
                    out.add(decode(bytes, start, i));
                }
                skip = false;
                start = i + 1;
            }
        }
        if (start < bytes.length && !skip) {
            out.add(decode(bytes, start, bytes.length));
        }
        return out;
    }

    static String decode(byte[] b, int from, int to) {
        int end = to > from && b[to - 1] == '\r' ? to - 1 : to;
        return new String(b, from, end - from, StandardCharsets.UTF_8);
    }
}
