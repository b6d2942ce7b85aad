package io.nuri.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import io.nuri.api.codec.Json;
import io.nuri.runtime.process.LogFiles;
import io.nuri.runtime.process.LogIndex;
import io.nuri.runtime.process.LogSearch;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class AccessLogTest {
    @TempDir
    Path dir;

    private static AccessLog.Entry entry(String app, int n) {
        return new AccessLog.Entry("default", app, 1_800_000_000_000L + n, "GET", "/item/" + n, n % 10 == 0 ? 500 : 200,
                1500, 42, "i-" + (n % 2), 3, "127.0.0.1", "", "req-" + n);
    }

    @Test
    void batchesThatMixAppsWriteEachLineToItsOwnAppsFileBatchAfterBatch() throws Exception {
        try (AccessLog log = new AccessLog(dir, 1 << 20, 2, 10_000).start()) {
            for (int round = 0; round < 5; round++) { // several batches: the per-file buffers are reused
                for (int n = 0; n < 300; n++) {
                    log.offer(entry(n % 3 == 0 ? "shop" : "news", round * 300 + n));
                }
                log.offer(new AccessLog.Entry("default", "../etc", 1_800_000_000_000L, "GET", "/", 200, 1, 1, "i-0", 1,
                        "127.0.0.1", "", "")); // never becomes a path
                int expected = (round + 1) * 300;
                await().atMost(Duration.ofSeconds(30)).until(() -> log.written() == expected);
            }
        }
        List<String> shop = Files.readAllLines(AccessLog.file(dir, "default", "shop"));
        List<String> news = Files.readAllLines(AccessLog.file(dir, "default", "news"));
        assertThat(shop).hasSize(500);
        assertThat(news).hasSize(1000);
        for (int i = 0; i < shop.size(); i++) {
            assertThat(Json.MAPPER.readTree(shop.get(i)).get("path").asText()).isEqualTo("/item/" + (3 * i));
        }
        List<String> newsPaths = new java.util.ArrayList<>();
        for (String l : news) {
            newsPaths.add(Json.MAPPER.readTree(l).get("path").asText());
        }
        assertThat(newsPaths).isEqualTo(java.util.stream.IntStream.range(0, 1500).filter(n -> n % 3 != 0)
                .mapToObj(n -> "/item/" + n).toList());
        assertThat(dir.resolve("etc")).doesNotExist();
    }

    @Test
    void writesOneJsonLinePerRequestWithEveryField() throws Exception {
        try (AccessLog log = new AccessLog(dir, 1 << 20, 2, 100).start()) {
            log.offer(entry("shop", 10));
            await().atMost(Duration.ofSeconds(5)).until(() -> log.written() == 1);
        }
        Path file = AccessLog.file(dir, "default", "shop");
        List<String> lines = Files.readAllLines(file);
        assertThat(lines).hasSize(1);
        JsonNode e = Json.MAPPER.readTree(lines.getFirst());
        assertThat(e.get("time").asText()).isEqualTo("2027-01-15T08:00:00.010Z");
        assertThat(e.get("method").asText()).isEqualTo("GET");
        assertThat(e.get("path").asText()).isEqualTo("/item/10");
        assertThat(e.get("status").asInt()).isEqualTo(500);
        assertThat(e.get("durationMs").asDouble()).isEqualTo(1.5);
        assertThat(e.get("durationMs").isNumber()).isTrue();
        assertThat(AccessLog.millis(5)).isEqualTo("0.005");
        assertThat(AccessLog.millis(1_500)).isEqualTo("1.500");
        assertThat(AccessLog.millis(123_456_789)).isEqualTo("123456.789");
        assertThat(e.get("bytes").asLong()).isEqualTo(42);
        assertThat(e.get("instance").asText()).isEqualTo("i-0");
        assertThat(e.get("revision").asInt()).isEqualTo(3);
        assertThat(e.get("client").asText()).isEqualTo("127.0.0.1");
        assertThat(e.has("traceId")).isTrue();
        assertThat(e.get("requestId").asText()).isEqualTo("req-10");
        // closed: the index covers every byte, so search finds it by time
        assertThat(LogIndex.read(LogIndex.of(file)).getLast().offset()).isEqualTo(Files.size(file));
    }

    @Test
    void aFullQueueDropsAndCountsInsteadOfBlocking() throws Exception {
        AccessLog log = new AccessLog(dir, 1 << 20, 2, 50); // writer not started: nothing drains
        long t0 = System.nanoTime();
        int accepted = 0;
        for (int n = 0; n < 80; n++) {
            accepted += log.offer(entry("shop", n)) ? 1 : 0;
        }
        assertThat(Duration.ofNanos(System.nanoTime() - t0)).isLessThan(Duration.ofSeconds(1));
        assertThat(accepted).isEqualTo(50);
        assertThat(log.dropped()).isEqualTo(30);
        log.start();
        await().atMost(Duration.ofSeconds(5)).until(() -> log.written() == 50);
        log.close();
        assertThat(log.offer(entry("shop", 99))).isFalse(); // closed: dropped, counted
        assertThat(log.dropped()).isEqualTo(31);
        assertThat(Files.readAllLines(AccessLog.file(dir, "default", "shop"))).hasSize(50);
    }

    @Test
    void rotatesBySizeAndStaysSearchableAcrossTheRotatedFiles() throws Exception {
        try (AccessLog log = new AccessLog(dir, 2000, 2, 1000).start()) {
            for (int n = 1; n <= 40; n++) {
                log.offer(entry("shop", n));
                if (n % 5 == 0) {
                    int want = n;
                    await().atMost(Duration.ofSeconds(5)).until(() -> log.written() == want); // several writes
                }
            }
        }
        Path file = AccessLog.file(dir, "default", "shop");
        assertThat(LogFiles.rotated(file, 1)).exists();
        assertThat(LogFiles.rotated(file, 2)).exists();
        assertThat(LogFiles.rotated(file, 3)).doesNotExist();
        assertThat(Files.size(LogFiles.rotated(file, 1))).isGreaterThan(2000).isLessThan(2000 + 5 * 300);

        LogSearch.Result r = LogSearch.search(List.of(new LogSearch.Source("", 0, file, 2)),
                new LogSearch.Query(l -> l.contains("\"status\":500"), Long.MIN_VALUE, Long.MAX_VALUE, 100, 1 << 20));
        List<String> paths = r.hits().stream().map(h -> {
            try {
                return Json.MAPPER.readTree(h.line()).get("path").asText();
            } catch (Exception e) {
                throw new AssertionError(e);
            }
        }).toList();
        // newest first; the oldest ones fell off with the third rotation
        assertThat(paths).startsWith("/item/40", "/item/30");
        assertThat(paths).isSortedAccordingTo((a, b) -> Integer.compare(
                Integer.parseInt(b.substring(6)), Integer.parseInt(a.substring(6))));
    }
}
