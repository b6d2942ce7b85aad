package io.nuri.gateway;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class BatchWorkerTest {
    @Test
    void itemsOfferedBeforeStartQueueUpAFailingBatchDoesNotStopTheThreadAndStoppedComesLast() {
        List<Integer> seen = new CopyOnWriteArrayList<>();
        List<String> calls = new CopyOnWriteArrayList<>();
        AtomicInteger idles = new AtomicInteger();
        BatchWorker<Integer> w = new BatchWorker<>("test-worker", 100, 5, new BatchWorker.Handler<>() {
            @Override
            public void batch(List<Integer> items) {
                if (items.contains(-1)) {
                    throw new IllegalStateException("a bad batch");
                }
                seen.addAll(items);
            }

            @Override
            public void idle() {
                idles.incrementAndGet();
            }

            @Override
            public void stopped() {
                calls.add("stopped after " + seen.size());
            }
        });
        assertThat(w.offer(1)).isTrue();
        assertThat(w.offer(2)).isTrue();
        assertThat(w.pending()).as("not started: nothing drains").isEqualTo(2);
        w.start();
        await().atMost(Duration.ofSeconds(30)).until(() -> seen.size() == 2);
        await().atMost(Duration.ofSeconds(30)).until(() -> idles.get() > 0);
        assertThat(w.offer(-1)).isTrue(); // its batch throws
        await().atMost(Duration.ofSeconds(30)).until(() -> w.pending() == 0);
        for (int i = 3; i <= 50; i++) {
            w.offer(i);
        }
        w.close();
        assertThat(seen).as("the thread went on after the failure, and close handed over the rest")
                .containsExactlyElementsOf(java.util.stream.IntStream.rangeClosed(1, 50).filter(i -> i != -1).boxed().toList());
        assertThat(calls).containsExactly("stopped after 50");
        assertThat(w.offer(51)).as("closed").isFalse();
        assertThat(w.dropped()).isEqualTo(1);
    }
}
