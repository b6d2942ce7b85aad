package io.nuri.server;

import com.fasterxml.jackson.core.io.SerializedString;
import io.nuri.api.codec.Json;
import io.nuri.gateway.BatchWorker;
import io.nuri.gateway.RequestSample;
import io.nuri.runtime.process.LogFiles;
import io.nuri.runtime.process.LogIndex;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The gateway's access log: one JSON line per request of a routed app in
 * {@code <logs>/<ns>/<app>/access.log}, rotated by size into {@code access.log.1 .. .N} like the
 * instance logs (but by renaming the closed file: its writer is ours, so no copytruncate) and
 * time-indexed like them ({@link LogIndex}), so the same search and follow read both.
 *
 * <p>{@link #accept} runs on the APM's feed thread ({@code OffLoopListener}), or wherever it is
 * called: it only copies a few fields into a bounded queue and never blocks. When the queue is
 * full (the disk is slower than the traffic) the entry is dropped and counted in {@link #dropped()}:
 * the access log gives way, the APM and the gateway do not. The entry's time is the request's end
 * ({@code RequestSample.endMillis}), not the time it was queued. One writer thread
 * ({@link BatchWorker}) formats and writes; it marks the index at most every 100 ms per
 * file, so an entry's searchable time is its write time, up to ~100 ms after its {@code time}.
 */
final class AccessLog implements Consumer<RequestSample>, AutoCloseable {
    static final int DEFAULT_QUEUE = 16_384;
    static final long DEFAULT_MAX_BYTES = 10L << 20;
    static final int DEFAULT_KEPT = 3;
    private static final int MAX_OPEN = 256;
    private static final long MARK_EVERY_MS = 100;
    private static final long DRAIN_EVERY_MS = 20;
    private static final int KEEP_BUFFER_MAX = 256 * 1024;
    private static final Logger log = LoggerFactory.getLogger(AccessLog.class);
    private static final io.netty.util.AsciiString REQUEST_ID = com.linecorp.armeria.common.HttpHeaderNames.of("x-request-id");

    /** What {@link #accept} hands over; formatted on the writer thread. */
    record Entry(String namespace, String app, long timeMillis, String method, String path, int status,
            long durationMicros, long bytes, String instance, int revision, String client, String traceId,
            String requestId) {}

    private final Path dir;
    private final long maxBytes;
    private final int kept;
    private final BatchWorker<Entry> writer;
    private final AtomicLong dropped = new AtomicLong(); // entries the writer could not write (I/O errors)
    private final AtomicLong written = new AtomicLong();
    private final Map<Path, Out> open = new LinkedHashMap<>(16, 0.75f, true);
    private long idleSince = System.currentTimeMillis(); // the writer thread only

    AccessLog(Path logsDir, long maxBytes, int kept) {
        this(logsDir, maxBytes, kept, DEFAULT_QUEUE);
    }

    AccessLog(Path logsDir, long maxBytes, int kept, int queueCapacity) {
        this.dir = logsDir;
        this.maxBytes = maxBytes;
        this.kept = kept;
        this.writer = new BatchWorker<>("nuri-access-log", queueCapacity, DRAIN_EVERY_MS, new BatchWorker.Handler<>() {
            @Override
            public void batch(List<Entry> entries) {
                write(entries);
                idleSince = System.currentTimeMillis();
            }

            @Override
            public void idle() {
                long now = System.currentTimeMillis();
                if (now - idleSince >= MARK_EVERY_MS) {
                    markAll(); // idle: make everything written searchable by time
                    idleSince = now;
                }
            }

            @Override
            public void stopped() {
                markAll();
                synchronized (open) {
                    open.values().forEach(Out::close);
                    open.clear();
                }
            }
        });
    }

    /** Starts the writer thread; entries offered before queue up (or drop when the queue is full). */
    AccessLog start() {
        writer.start();
        return this;
    }

    /** The access log of an app. */
    static Path file(Path logsDir, String namespace, String app) {
        return logsDir.resolve(namespace).resolve(app).resolve("access.log");
    }

    @Override
    public void accept(RequestSample s) {
        if (s.app() == null) {
            return; // no route matched: not an app's request
        }
        String requestId = s.requestHeaders() == null ? null : s.requestHeaders().get(REQUEST_ID);
        offer(new Entry(s.namespace(), s.app(), s.endMillis(), s.method(), s.path(), s.status(),
                s.durationNanos() / 1000, s.responseBytes(), s.instanceId(), s.revision(), s.clientAddress(),
                s.traceId(), requestId));
    }

    /** Queues an entry; false (and counted) when the queue is full or the log is closed. */
    boolean offer(Entry e) {
        return writer.offer(e);
    }

    /** Entries dropped because the writer fell behind (or after close) or could not write them. */
    long dropped() {
        return writer.dropped() + dropped.get();
    }

    long written() {
        return written.get();
    }

    private void write(List<Entry> batch) {
        // Per file one buffer and one streaming generator for the whole batch (root values
        // separated by '\n'): no tree, no String per line, no generator per line.
        byFile.clear();
        format(batch, byFile);
        writeOut(byFile);
    }

    private void format(List<Entry> batch, Map<Path, Batch> byFile) {
        try {
            for (Entry e : batch) {
                Path file = path(e.namespace(), e.app());
                if (file == null) {
                    continue;
                }
                Batch b = byFile.get(file);
                if (b == null) {
                    b = buffers.computeIfAbsent(file, f -> new Batch()).reset();
                    byFile.put(file, b);
                }
                writeJson(b.generator(), e);
                b.lines++;
            }
            for (Batch b : byFile.values()) {
                b.generator().close(); // flushes into the buffer
                b.buf.write('\n');
            }
        } catch (IOException ex) {
            throw new java.io.UncheckedIOException(ex); // a ByteArrayOutputStream does not fail
        }
    }

    private void writeOut(Map<Path, Batch> byFile) {
        long now = System.currentTimeMillis();
        for (Map.Entry<Path, Batch> f : byFile.entrySet()) {
            int lines = f.getValue().lines;
            try {
                Out out = out(f.getKey());
                out.write(f.getValue().buf.content());
                if (f.getValue().buf.capacity() > KEEP_BUFFER_MAX) {
                    buffers.remove(f.getKey()); // a burst's buffer is not kept for the quiet that follows
                }
                written.addAndGet(lines);
                if (out.size > maxBytes) {
                    out.close(); // our own file: rotate closed, reopen empty
                    synchronized (open) {
                        open.remove(f.getKey());
                    }
                    LogFiles.rotateClosedIfNeeded(f.getKey(), maxBytes, kept); // a rename: no copy
                } else if (now - out.markedAt >= MARK_EVERY_MS) {
                    out.mark(now);
                }
            } catch (IOException e) {
                dropped.addAndGet(lines);
                log.warn("access log {}: {}", f.getKey(), e.toString());
            }
        }
    }

    // Writer thread only. Per namespace, per app: two lookups, no key object per entry.
    private final Map<String, Map<String, Path>> paths = new java.util.HashMap<>();
    private int pathCount;
    /** This batch's buffers by file, in first-seen order. */
    private final Map<Path, Batch> byFile = new LinkedHashMap<>();
    /** One buffer per file, kept across batches so it does not grow again each time. */
    private final Map<Path, Batch> buffers = new java.util.HashMap<>();

    /**
     * The app's file, resolved and checked once (three Path.resolve calls per entry were a
     * measurable share); null for names that must not become a path.
     */
    private Path path(String namespace, String app) {
        Map<String, Path> byApp = paths.get(namespace);
        Path p = byApp == null ? null : byApp.get(app);
        if (p != null || (byApp != null && byApp.containsKey(app))) {
            return p;
        }
        if (pathCount >= 4096) {
            paths.clear(); // bounded: apps come and go
            buffers.clear();
            pathCount = 0;
        }
        p = safe(namespace) && safe(app) ? file(dir, namespace, app) : null;
        paths.computeIfAbsent(namespace, k -> new java.util.HashMap<>()).put(app, p);
        pathCount++;
        return p;
    }

    /** One file's lines of a batch. */
    private static final class Batch {
        final Buffer buf = new Buffer();
        com.fasterxml.jackson.core.JsonGenerator gen;
        int lines;

        Batch reset() {
            buf.reset(); // keeps its capacity
            gen = null;
            lines = 0;
            return this;
        }

        com.fasterxml.jackson.core.JsonGenerator generator() throws IOException {
            if (gen == null) {
                gen = Json.MAPPER.getFactory().createGenerator(buf);
                gen.setRootValueSeparator(new SerializedString("\n"));
            }
            return gen;
        }
    }

    /** A byte buffer whose content is written out as it is, without the copy {@code toByteArray} makes. */
    private static final class Buffer extends java.io.ByteArrayOutputStream {
        Buffer() {
            super(16 * 1024);
        }

        ByteBuffer content() {
            return ByteBuffer.wrap(buf, 0, count);
        }

        int capacity() {
            return buf.length;
        }
    }

    // Formatting an Instant is the costliest field; at any real rate many entries share a millisecond.
    private long lastMillis = Long.MIN_VALUE;
    private String lastTime;

    private String time(long millis) {
        if (millis != lastMillis) {
            lastMillis = millis;
            lastTime = Instant.ofEpochMilli(millis).toString();
        }
        return lastTime;
    }

    // Field names encoded once (Jackson's SerializedString), not per line.
    private static final SerializedString TIME = new SerializedString("time");
    private static final SerializedString METHOD = new SerializedString("method");
    private static final SerializedString PATH = new SerializedString("path");
    private static final SerializedString STATUS = new SerializedString("status");
    private static final SerializedString DURATION_MS = new SerializedString("durationMs");
    private static final SerializedString BYTES = new SerializedString("bytes");
    private static final SerializedString INSTANCE = new SerializedString("instance");
    private static final SerializedString REVISION = new SerializedString("revision");
    private static final SerializedString CLIENT = new SerializedString("client");
    private static final SerializedString TRACE_ID = new SerializedString("traceId");
    private static final SerializedString REQUEST_ID_FIELD = new SerializedString("requestId");

    /** Microseconds as a millisecond number with three decimals ("12.345"): exact, and far cheaper than formatting a double. */
    static String millis(long durationMicros) {
        long micros = Math.max(0, durationMicros);
        long frac = micros % 1000;
        String f = frac < 10 ? "00" + frac : frac < 100 ? "0" + frac : Long.toString(frac);
        return micros / 1000 + "." + f;
    }

    private void writeJson(com.fasterxml.jackson.core.JsonGenerator g, Entry e) throws IOException {
        g.writeStartObject();
        g.writeFieldName(TIME);
        g.writeString(time(e.timeMillis()));
        g.writeFieldName(METHOD);
        g.writeString(e.method());
        g.writeFieldName(PATH);
        g.writeString(e.path());
        g.writeFieldName(STATUS);
        g.writeNumber(e.status());
        g.writeFieldName(DURATION_MS);
        g.writeNumber(millis(e.durationMicros()));
        g.writeFieldName(BYTES);
        g.writeNumber(e.bytes());
        g.writeFieldName(INSTANCE);
        g.writeString(e.instance() == null ? "" : e.instance());
        g.writeFieldName(REVISION);
        g.writeNumber(e.revision());
        g.writeFieldName(CLIENT);
        g.writeString(e.client());
        g.writeFieldName(TRACE_ID);
        g.writeString(e.traceId() == null ? "" : e.traceId());
        g.writeFieldName(REQUEST_ID_FIELD);
        g.writeString(e.requestId() == null ? "" : e.requestId());
        g.writeEndObject();
    }

    /** Namespace and app names are DNS labels by the spec; anything else never becomes a path. */
    private static boolean safe(String name) {
        return name != null && !name.isEmpty() && !name.contains("/") && !name.contains("\\") && !name.startsWith(".");
    }

    private Out out(Path f) throws IOException {
        synchronized (open) {
            Out o = open.get(f);
            if (o != null) {
                return o;
            }
            Files.createDirectories(f.getParent());
            o = new Out(f, FileChannel.open(f, StandardOpenOption.CREATE, StandardOpenOption.WRITE, StandardOpenOption.APPEND));
            open.put(f, o);
            if (open.size() > MAX_OPEN) {
                var eldest = open.entrySet().iterator().next();
                eldest.getValue().close();
                open.remove(eldest.getKey());
            }
            return o;
        }
    }

    private void markAll() {
        long now = System.currentTimeMillis();
        synchronized (open) {
            for (Out o : open.values()) {
                if (o.markedSize != o.size) {
                    o.mark(now);
                }
            }
        }
    }

    /** Stops taking entries, writes what is queued (up to 5 s) and closes the files. */
    @Override
    public void close() {
        writer.close();
    }

    private static final class Out {
        final Path file;
        final FileChannel ch;
        long size;
        long markedSize;
        long markedAt;

        Out(Path file, FileChannel ch) throws IOException {
            this.file = file;
            this.ch = ch;
            this.size = ch.size();
            this.markedSize = size;
        }

        void write(ByteBuffer buf) throws IOException {
            int n = buf.remaining();
            while (buf.hasRemaining()) {
                ch.write(buf);
            }
            size += n; // the only writer of this file (rotation happens on this thread, closed)
        }

        void mark(long now) {
            try {
                LogIndex.append(file, now, size);
                markedSize = size;
                markedAt = now;
            } catch (IOException e) {
                log.debug("access log index {}: {}", file, e.toString());
            }
        }

        void close() {
            try {
                if (markedSize != size) {
                    mark(System.currentTimeMillis());
                }
                ch.close();
            } catch (IOException ignored) {
                // nothing left to do with it
            }
        }
    }
}
