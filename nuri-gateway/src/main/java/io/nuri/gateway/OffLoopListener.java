package io.nuri.gateway;

import static java.util.Objects.requireNonNull;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Decorates request listeners so that they run on a thread of their own instead of the event
 * loop: the event loop only puts the {@link RequestSample} into a bounded queue, which costs it
 * one uncontended lock, and one thread hands each sample to the listeners in arrival order. The
 * gateway's event loops stay on proxying (one event loop is the gateway's bottleneck: whatever
 * the APM does there is throughput lost), and the listeners no longer contend with each other
 * across event loops.
 *
 * <p>A listener sees a sample a few milliseconds after the request ended, so it must take the
 * time of the request from the sample ({@link RequestSample#endMillis()}), not from the clock.
 * When the listeners fall behind and the queue is full, samples are dropped and counted
 * ({@link #dropped()}): observability gives way, the gateway never waits.
 *
 * <pre>{@code
 * OffLoopListener apm = OffLoopListener.builder("nuri-apm-feed").listener(recorder).listener(metrics).build();
 * gateway.requestListener(apm);
 * }</pre>
 */
public final class OffLoopListener implements Consumer<RequestSample>, AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(OffLoopListener.class);
    /** Between drains when the queue was empty: a parked consumer would cost a wake-up per request. */
    private static final long IDLE_SLEEP_MILLIS = 5;
    private static final int BATCH = 4096;
    private static final long WARN_EVERY_NANOS = 10_000_000_000L;

    private final BlockingQueue<RequestSample> queue;
    private final List<Consumer<RequestSample>> listeners;
    private final AtomicLong dropped = new AtomicLong();
    private final Thread thread;
    private volatile boolean closing;
    private long failures; // the consumer thread only
    private long lastWarnedNanos;

    public static Builder builder(String threadName) {
        return new Builder(threadName);
    }

    private OffLoopListener(Builder b) {
        this.queue = new ArrayBlockingQueue<>(b.capacity);
        this.listeners = List.copyOf(b.listeners);
        this.thread = Thread.ofPlatform().daemon().name(b.threadName).start(this::run);
    }

    /** On an event loop: queues the sample, or drops and counts it when the queue is full. */
    @Override
    public void accept(RequestSample sample) {
        if (closing || !queue.offer(sample)) {
            dropped.incrementAndGet();
        }
    }

    /** Samples dropped because the listeners fell behind (or arrived after close). */
    public long dropped() {
        return dropped.get();
    }

    /** Samples queued and not yet handed to the listeners. */
    public int pending() {
        return queue.size();
    }

    private void run() {
        List<RequestSample> batch = new ArrayList<>(BATCH);
        while (true) {
            queue.drainTo(batch, BATCH);
            if (batch.isEmpty()) {
                if (closing) {
                    return;
                }
                try {
                    Thread.sleep(IDLE_SLEEP_MILLIS);
                } catch (InterruptedException e) {
                    closing = true; // hand over what is left, then stop
                }
                continue;
            }
            for (RequestSample s : batch) {
                for (Consumer<RequestSample> l : listeners) {
                    try {
                        l.accept(s);
                    } catch (RuntimeException e) {
                        failed(e); // the others still get the sample
                    }
                }
            }
            batch.clear();
        }
    }

    /** A listener that fails fails for every request: one warning every 10 s, with the count, not one per request. */
    private void failed(RuntimeException e) {
        failures++;
        long now = System.nanoTime();
        if (lastWarnedNanos == 0 || now - lastWarnedNanos >= WARN_EVERY_NANOS) {
            lastWarnedNanos = now;
            log.warn("request listener failed ({} times so far)", failures, e);
        }
    }

    /** Stops taking samples and hands the queued ones to the listeners (waiting up to 5 s). */
    @Override
    public void close() {
        closing = true;
        try {
            thread.join(5000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        thread.interrupt();
    }

    public static final class Builder {
        private final String threadName;
        private final List<Consumer<RequestSample>> listeners = new ArrayList<>();
        private int capacity = 65_536;

        private Builder(String threadName) {
            this.threadName = requireNonNull(threadName, "threadName");
        }

        /** Adds a listener; listeners are called in the order they were added, on the one thread. */
        public Builder listener(Consumer<RequestSample> listener) {
            listeners.add(requireNonNull(listener, "listener"));
            return this;
        }

        /** Samples held at most while the listeners catch up (default 65,536: 3 s at 20,000 requests a second). */
        public Builder capacity(int capacity) {
            if (capacity < 1) {
                throw new IllegalArgumentException("capacity must be >= 1: " + capacity);
            }
            this.capacity = capacity;
            return this;
        }

        public OffLoopListener build() {
            return new OffLoopListener(this);
        }
    }
}
