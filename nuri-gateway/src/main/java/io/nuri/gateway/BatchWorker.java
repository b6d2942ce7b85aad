package io.nuri.gateway;

import static java.util.Objects.requireNonNull;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A bounded queue and the one thread that empties it in batches: what the gateway's observers
 * (the APM's feed, the access log's writer) put between a hot thread and slower work. Offering
 * never blocks: when the queue is full, or the worker is closing, the item is dropped and counted
 * ({@link #dropped()}), so the producer never waits for the consumer.
 *
 * <p>The thread drains and sleeps instead of blocking in {@code take()}: a consumer parked on the
 * queue would make every offer wake it (a futex call per request at moderate rates). So an item
 * waits up to {@code idleSleepMillis} before its batch runs.
 *
 * @param <T> what is queued
 */
public final class BatchWorker<T> implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(BatchWorker.class);
    private static final int BATCH = 4096;
    private static final long WARN_EVERY_NANOS = 10_000_000_000L;

    /** What the worker thread does; every method runs on it. */
    public interface Handler<T> {
        /** A batch of up to 4,096 items, in the order they were offered. */
        void batch(List<T> items);

        /** The queue was empty at a drain (then the thread sleeps). */
        default void idle() {}

        /** Once, after the last batch: everything offered before close is handled. */
        default void stopped() {}
    }

    private final String threadName;
    private final BlockingQueue<T> queue;
    private final Handler<T> handler;
    private final long idleSleepMillis;
    private final AtomicLong dropped = new AtomicLong();
    private Thread thread;
    private volatile boolean closing;
    private long failures; // the worker thread only
    private long lastWarnedNanos;

    public BatchWorker(String threadName, int capacity, long idleSleepMillis, Handler<T> handler) {
        if (capacity < 1) {
            throw new IllegalArgumentException("capacity must be >= 1: " + capacity);
        }
        this.threadName = requireNonNull(threadName, "threadName");
        this.queue = new ArrayBlockingQueue<>(capacity);
        this.idleSleepMillis = idleSleepMillis;
        this.handler = requireNonNull(handler, "handler");
    }

    /** Starts the thread; items offered before queue up (or drop when the queue is full). */
    public synchronized BatchWorker<T> start() {
        if (thread == null) {
            thread = Thread.ofPlatform().daemon().name(threadName).start(this::run);
        }
        return this;
    }

    /** Queues an item; false (and counted) when the queue is full or the worker is closing. Never blocks. */
    public boolean offer(T item) {
        if (closing || !queue.offer(item)) {
            dropped.incrementAndGet();
            return false;
        }
        return true;
    }

    /** Items dropped because the worker fell behind (or came after close). */
    public long dropped() {
        return dropped.get();
    }

    /** Items queued and not yet handed to a batch. */
    public int pending() {
        return queue.size();
    }

    /**
     * For the handler: a failure that recurs (a broken listener fails for every request) is
     * warned about once every 10 s, with the count, not once per item.
     */
    public void failed(RuntimeException e) {
        failures++;
        long now = System.nanoTime();
        if (lastWarnedNanos == 0 || now - lastWarnedNanos >= WARN_EVERY_NANOS) {
            lastWarnedNanos = now;
            log.warn("{} failed ({} times so far)", threadName, failures, e);
        }
    }

    private void run() {
        List<T> batch = new ArrayList<>();
        while (true) {
            queue.drainTo(batch, BATCH);
            if (batch.isEmpty()) {
                if (closing) {
                    break;
                }
                try {
                    handler.idle();
                    Thread.sleep(idleSleepMillis);
                } catch (InterruptedException e) {
                    closing = true; // hand over what is left, then stop
                } catch (RuntimeException e) {
                    failed(e);
                }
                continue;
            }
            try {
                handler.batch(batch);
            } catch (RuntimeException e) {
                failed(e);
            }
            batch.clear();
        }
        try {
            handler.stopped();
        } catch (RuntimeException e) {
            failed(e);
        }
    }

    /** Stops taking items and lets the thread hand over what is queued, waiting up to 5 s. */
    @Override
    public void close() {
        closing = true;
        Thread t;
        synchronized (this) {
            t = thread;
        }
        if (t == null) {
            return;
        }
        try {
            t.join(5000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        t.interrupt();
    }
}
