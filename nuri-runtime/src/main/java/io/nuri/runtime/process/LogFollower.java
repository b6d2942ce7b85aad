package io.nuri.runtime.process;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;
import org.slf4j.LoggerFactory;

/**
 * Follows one instance log like {@code tail -F}: each {@link #poll()} returns the complete lines
 * written since the previous one. Not thread-safe beyond {@code poll} being synchronized; one
 * follower per reader (an SSE stream, a CLI {@code logs -f}).
 *
 * <p>Survives copytruncate rotation ({@link LogFiles}): a rotation shows as the live file being
 * shorter than our offset, or, when the instance already wrote more than that since the
 * truncate, as the last bytes we read no longer being where we read them. Then the rest of what
 * we had not read yet is in {@code .1} from our old offset on; we read that first and continue
 * in the live file at 0. (A file of identical repeated lines can hide a rotation from the second
 * check; real logs carry timestamps.) Two rotations between two polls lose the lines of the
 * middle one: poll more often than the driver's rotation tick (a second).
 */
public final class LogFollower implements AutoCloseable {
    private final Path file;
    private final Path firstRotated;
    private long offset;
    private byte[] lastBytes = new byte[0];
    private final ByteArrayOutputStream partial = new ByteArrayOutputStream();
    private volatile boolean closed;

    /**
     * @param fromStart read what the live file already holds; otherwise start at its current end
     */
    public LogFollower(Path file, boolean fromStart) {
        this.file = Objects.requireNonNull(file, "file");
        this.firstRotated = LogFiles.rotated(file, 1);
        this.offset = fromStart ? 0 : sizeOrZero(file);
        this.lastBytes = bytesBefore(file, offset);
    }

    /**
     * Delivers every new line {@code follower} finds to {@code sink}, on a virtual thread polling
     * every 200 ms, until the returned handle is closed (which closes the follower).
     */
    public static AutoCloseable follow(LogFollower follower, Consumer<String> sink) {
        AtomicBoolean open = new AtomicBoolean(true);
        Thread th = Thread.ofVirtual().name("nuri-log-follow-" + follower.file().getFileName()).start(() -> {
            while (open.get()) {
                try {
                    follower.poll().forEach(sink);
                    Thread.sleep(200);
                } catch (InterruptedException e) {
                    return;
                } catch (RuntimeException e) {
                    LoggerFactory.getLogger(LogFollower.class).debug("log follower of {} failed", follower.file(), e);
                    return;
                }
            }
        });
        return () -> {
            open.set(false);
            follower.close();
            th.interrupt();
        };
    }

    public Path file() {
        return file;
    }

    /** New complete lines since the last poll; empty when there are none or after close. */
    public synchronized List<String> poll() {
        List<String> out = new ArrayList<>();
        if (closed) {
            return out;
        }
        try {
            long size = sizeOrZero(file);
            boolean rotated = size < offset || !java.util.Arrays.equals(lastBytes, bytesBefore(file, offset));
            if (rotated) {
                long rotatedSize = sizeOrZero(firstRotated);
                if (rotatedSize > offset) {
                    read(firstRotated, offset, rotatedSize, out);
                }
                offset = 0;
                // The rotation may have happened after we measured the live file: that size
                // belongs to the old file. Measure the new one, or we would read up to a stale
                // end now and re-read part of .1 at the next poll.
                size = sizeOrZero(file);
            }
            if (size > offset) {
                offset = read(file, offset, size, out);
            }
            lastBytes = bytesBefore(file, offset);
        } catch (IOException e) {
            // the file vanished or is unreadable for a moment: try again at the next poll
        }
        return out;
    }

    /** Reads complete lines of {@code f} between the offsets; returns where it stopped (EOF may come first). */
    private long read(Path f, long from, long to, List<String> out) throws IOException {
        try (FileChannel ch = FileChannel.open(f, StandardOpenOption.READ)) {
            ByteBuffer buf = ByteBuffer.allocate(64 * 1024);
            long pos = from;
            while (pos < to) {
                buf.clear().limit((int) Math.min(buf.capacity(), to - pos));
                int n = ch.read(buf, pos);
                if (n <= 0) {
                    break;
                }
                pos += n;
                byte[] a = buf.array();
                for (int i = 0; i < n; i++) {
                    if (a[i] == '\n') {
                        byte[] line = partial.toByteArray();
                        out.add(LogFiles.decode(line, 0, line.length));
                        partial.reset();
                    } else {
                        partial.write(a[i]);
                    }
                }
            }
            return pos;
        } catch (NoSuchFileException e) {
            // rotated away between size() and open(): the next poll sees it in .1
            return from;
        }
    }

    private static long sizeOrZero(Path f) {
        try {
            return Files.size(f);
        } catch (IOException e) {
            return 0;
        }
    }

    /** Up to 32 bytes of {@code f} ending at {@code offset}: what we expect to find there next time. */
    private static byte[] bytesBefore(Path f, long offset) {
        int len = (int) Math.min(32, offset);
        if (len == 0) {
            return new byte[0];
        }
        try (FileChannel ch = FileChannel.open(f, StandardOpenOption.READ)) {
            ByteBuffer buf = ByteBuffer.allocate(len);
            while (buf.hasRemaining() && ch.read(buf, offset - len + buf.position()) > 0) {
                // read fully
            }
            return java.util.Arrays.copyOf(buf.array(), buf.position());
        } catch (IOException e) {
            return new byte[0];
        }
    }

    @Override
    public void close() {
        closed = true;
    }
}
