package io.nuri.gateway;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class OffLoopListenerTest {
    static RequestSample sample(int n) {
        return new RequestSample("default", "web", "default/web", "web-1", 1, "GET", "/" + n, 200, 0,
                1_764_000_000_000_000L, 2_500_000, "127.0.0.1", false, "/", 10, null, null, null, null, null);
    }

    @Test
    void listenersGetEverySampleInOrderOnTheirOwnThreadAndAFailingOneDoesNotStopTheOthers() {
        List<String> paths = new CopyOnWriteArrayList<>();
        List<String> threads = new CopyOnWriteArrayList<>();
        try (OffLoopListener l = OffLoopListener.builder("test-feed")
                .listener(s -> {
                    throw new IllegalStateException("listener bug");
                })
                .listener(s -> {
                    paths.add(s.path());
                    threads.add(Thread.currentThread().getName());
                })
                .build()) {
            for (int i = 0; i < 1000; i++) {
                l.accept(sample(i));
            }
            await().atMost(Duration.ofSeconds(30)).until(() -> paths.size() == 1000);
            assertThat(paths).startsWith("/0", "/1", "/2").endsWith("/998", "/999");
            for (int i = 0; i < 1000; i++) {
                assertThat(paths.get(i)).isEqualTo("/" + i);
            }
            assertThat(threads).containsOnly("test-feed");
            assertThat(l.dropped()).isZero();
        }
    }

    @Test
    void aFullQueueDropsAndCountsInsteadOfBlockingAndCloseHandsOverWhatIsQueued() throws Exception {
        CountDownLatch release = new CountDownLatch(1);
        List<String> seen = new CopyOnWriteArrayList<>();
        OffLoopListener l = OffLoopListener.builder("test-feed").capacity(10).listener(s -> {
            try {
                release.await(30, TimeUnit.SECONDS); // a listener stuck on something slow
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            seen.add(s.path());
        }).build();
        l.accept(sample(0));
        await().atMost(Duration.ofSeconds(30)).until(() -> l.pending() == 0); // taken, and stuck in the listener
        for (int i = 1; i <= 25; i++) {
            l.accept(sample(i)); // 10 fit; the other 15 are dropped at once
        }
        assertThat(l.pending()).isEqualTo(10);
        assertThat(l.dropped()).isEqualTo(15);
        release.countDown();
        l.close();
        assertThat(seen).hasSize(11).startsWith("/0", "/1").endsWith("/10");
        l.accept(sample(99));
        assertThat(l.dropped()).as("after close").isEqualTo(16);
    }

    @Test
    void theSampleSaysWhenTheRequestEndedSoALateListenerKnows() {
        assertThat(sample(1).endMillis()).isEqualTo(1_764_000_000_002L); // start + 2.5 ms, in whole ms
    }
}
