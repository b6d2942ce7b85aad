package io.nuri.gateway;

import static java.util.Objects.requireNonNull;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

/**
 * Decorates request listeners so that they run on a thread of their own instead of the event
 * loop: the event loop only puts the {@link RequestSample} into a bounded queue, which costs it
 * one uncontended lock, and one thread ({@link BatchWorker}) hands each sample to the listeners in
 * arrival order. The
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
    /** Between drains when the queue was empty (a sample waits at most this long). */
    private static final long IDLE_SLEEP_MILLIS = 5;

    private final List<Consumer<RequestSample>> listeners;
    private final BatchWorker<RequestSample> worker;

    public static Builder builder(String threadName) {
        return new Builder(threadName);
    }

    private OffLoopListener(Builder b) {
        this.listeners = List.copyOf(b.listeners);
        this.worker = new BatchWorker<>(b.threadName, b.capacity, IDLE_SLEEP_MILLIS, this::handOver).start();
    }

    /** On an event loop: queues the sample, or drops and counts it when the queue is full. */
    @Override
    public void accept(RequestSample sample) {
        worker.offer(sample);
    }

    /** Samples dropped because the listeners fell behind (or arrived after close). */
    public long dropped() {
        return worker.dropped();
    }

    /** Samples queued and not yet handed to the listeners. */
    public int pending() {
        return worker.pending();
    }

    private void handOver(List<RequestSample> batch) {
        for (RequestSample s : batch) {
            for (Consumer<RequestSample> l : listeners) {
                try {
                    l.accept(s);
                } catch (RuntimeException e) {
                    worker.failed(e); // the others still get the sample
                }
            }
        }
    }

    /** Stops taking samples and hands the queued ones to the listeners (waiting up to 5 s). */
    @Override
    public void close() {
        worker.close();
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
            this.capacity = capacity; // checked by the worker
            return this;
        }

        public OffLoopListener build() {
            return new OffLoopListener(this);
        }
    }
}
