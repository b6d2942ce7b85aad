package io.nuri.server;

import java.util.List;
import java.util.concurrent.CountDownLatch;

/**
 * How a foreground command (server, gateway balancer, operator) ends: on SIGTERM or SIGINT it runs
 * its stop action and {@link #await()} returns. The signals are handled here rather than by a
 * shutdown hook so that an orderly stop exits 0 (a hook's exit is 143).
 */
final class StopSignal {
    private final CountDownLatch stopped = new CountDownLatch(1);

    private StopSignal() {}

    static StopSignal onTermOrInt(String threadName, Runnable stop) {
        StopSignal s = new StopSignal();
        Runnable run = () -> {
            try {
                stop.run();
            } finally {
                s.stopped.countDown();
            }
        };
        for (String signal : List.of("TERM", "INT")) {
            sun.misc.Signal.handle(new sun.misc.Signal(signal), sig -> new Thread(run, threadName).start());
        }
        return s;
    }

    void await() throws InterruptedException {
        stopped.await();
    }
}
