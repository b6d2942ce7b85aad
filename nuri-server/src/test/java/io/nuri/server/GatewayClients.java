package io.nuri.server;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;
import java.util.stream.IntStream;

/**
 * Users for end-to-end tests: virtual-thread clients sending {@code GET url} in a loop until
 * closed. Every answer goes to {@code onAnswer}, every failure to {@code onFailure}; the test
 * decides what counts as a failed request.
 */
final class GatewayClients implements AutoCloseable {
    private final AtomicBoolean running = new AtomicBoolean(true);
    private final List<Thread> threads;

    GatewayClients(String url, int clients, Consumer<HttpResponse<String>> onAnswer, Consumer<Exception> onFailure) {
        HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(5)).build();
        HttpRequest request = HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(20)).build();
        threads = IntStream.range(0, clients).mapToObj(n -> Thread.ofVirtual().start(() -> {
            while (running.get()) {
                try {
                    onAnswer.accept(client.send(request, HttpResponse.BodyHandlers.ofString()));
                } catch (Exception e) {
                    onFailure.accept(e);
                }
            }
        })).toList();
    }

    @Override
    public void close() throws InterruptedException {
        running.set(false);
        for (Thread t : threads) {
            t.join(30_000);
        }
    }
}
