// Autoscaling benchmark (issue "Autoscaling"): a surge from 5 to 100 concurrent clients against the
// sample app's /work?ms=50 with targetConcurrency 5, through Nuri's gateway, with Nuri's autoscaler
// deciding. Measured: surge start -> first scale-up decision (the event's time), -> the instances of
// that decision Ready, p99 latency in the first 30 s of the surge. The same recorded per-second
// concurrency series is then fed to simulations of Kubernetes' HPA defaults and Knative's KPA
// defaults (see docs/benchmarks.md, "Autoscaling", for the models), so the three reaction times stand
// side by side from one run.
//
//   ./nuri --build >/dev/null 2>&1 || true
//   java -cp 'nuri-dist/target/dist/lib/*' bench/autoscale/AutoscaleBench.java [runs]   (from the repo root)
//
// Loopback only; every process started here is stopped by pid; bounded in time (about 100 s a run).
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

public class AutoscaleBench {
    static final ObjectMapper JSON = new ObjectMapper();
    static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5)).build();
    static final Path ROOT = Path.of("").toAbsolutePath();
    static final double TARGET = 5;
    static final int BEFORE_SECONDS = 15;
    static final int SURGE_SECONDS = 45;
    static Process server;

    public static void main(String[] args) throws Exception {
        int runs = args.length > 0 ? Integer.parseInt(args[0]) : 3;
        Runtime.getRuntime().addShutdownHook(new Thread(AutoscaleBench::stop));
        System.out.printf("# Nuri autoscaling benchmark, %s, %d runs, %d cores%n%n", java.time.LocalDate.now(), runs,
                Runtime.getRuntime().availableProcessors());
        List<Double> nuriDecision = new ArrayList<>();
        List<Double> nuriReady = new ArrayList<>();
        List<Double> p99s = new ArrayList<>();
        List<Double> hpaDecision = new ArrayList<>();
        List<Double> hpaReady = new ArrayList<>();
        List<Double> kpaDecision = new ArrayList<>();
        List<Double> kpaReady = new ArrayList<>();
        List<Integer> peak = new ArrayList<>();
        for (int run = 1; run <= runs; run++) {
            Run r = run(Files.createTempDirectory("nuri-autoscale-bench"));
            nuriDecision.add(r.decision);
            nuriReady.add(r.ready);
            p99s.add(r.p99Ms);
            peak.add(r.peakReplicas);
            double startup = r.ready - r.decision; // what a new instance took to be Ready here
            // The simulations run on the same recorded series, at every phase of their periodic loops.
            for (double phase = 0; phase < 15; phase += 0.5) {
                double h = Hpa.firstScaleUp(r.concurrency, phase);
                hpaDecision.add(h);
                hpaReady.add(h + startup);
            }
            for (double phase = 0; phase < 2; phase += 0.25) {
                double k = Kpa.firstScaleUp(r.concurrency, phase);
                kpaDecision.add(k);
                kpaReady.add(k + startup);
            }
            System.out.printf(Locale.ROOT, "run %d: decision %.2f s, ready %.2f s, p99 %.0f ms, peak %d replicas%n", run,
                    r.decision, r.ready, r.p99Ms, r.peakReplicas);
        }
        System.out.println();
        System.out.println("| | surge -> first scale-up decision (s) | -> those instances Ready (s) |");
        System.out.println("|---|---|---|");
        System.out.println("| Nuri (measured) | " + stats(nuriDecision) + " | " + stats(nuriReady) + " |");
        System.out.println("| Kubernetes HPA defaults (simulated) | " + stats(hpaDecision) + " | " + stats(hpaReady) + " |");
        System.out.println("| Knative KPA defaults (simulated) | " + stats(kpaDecision) + " | " + stats(kpaReady) + " |");
        System.out.println();
        System.out.println("Nuri p99 latency in the first 30 s of the surge (ms): " + stats(p99s) + "; peak replicas "
                + peak);
        stop();
    }

    record Run(double decision, double ready, double p99Ms, int peakReplicas, double[] concurrency) {}

    static Run run(Path data) throws Exception {
        Files.createDirectories(data);
        ProcessBuilder pb = new ProcessBuilder(ROOT.resolve("nuri").toString(), "server", "--data-dir", data.toString(),
                "--api-port", "0", "--gateway-port", "0").redirectErrorStream(true)
                .redirectOutput(data.resolveSibling(data.getFileName() + ".log").toFile());
        pb.environment().put("NURI_SKIP_BUILD", "1");
        server = pb.start();
        Path info = data.resolve("server.json");
        long deadline = System.nanoTime() + Duration.ofMinutes(1).toNanos();
        while (!Files.exists(info) && server.isAlive() && System.nanoTime() < deadline) {
            Thread.sleep(100);
        }
        JsonNode si = JSON.readTree(Files.readString(info));
        String api = si.get("url").asText();
        String gw = si.get("gatewayUrl").asText();
        String token = Files.readString(data.resolve("admin.token")).trim();
        String jar = ROOT.resolve("examples/sample-app/target/sample-app.jar").toString();
        String spec = """
                apiVersion: nuri.io/v1
                kind: App
                metadata: {name: surge}
                spec:
                  run: {jar: %s}
                  probes: {readiness: {http: {path: /health}}}
                  routes: [{path: /}]
                  autoscale: {minReplicas: 1, maxReplicas: 25, targetConcurrency: 5}
                """.formatted(jar);
        send(api, token, "POST", "/api/v1/apply", spec);
        waitFor(() -> readyCount(api, token) == 1, Duration.ofMinutes(1));

        AtomicBoolean running = new AtomicBoolean(true);
        AtomicInteger inflight = new AtomicInteger();
        ConcurrentLinkedQueue<long[]> latencies = new ConcurrentLinkedQueue<>(); // {startNanos, durationNanos}
        List<Thread> clients = new ArrayList<>();
        HttpRequest work = HttpRequest.newBuilder(URI.create(gw + "/work?ms=50")).timeout(Duration.ofSeconds(30)).build();
        Runnable client = () -> {
            while (running.get()) {
                long t0 = System.nanoTime();
                inflight.incrementAndGet();
                try {
                    HTTP.send(work, HttpResponse.BodyHandlers.discarding());
                } catch (Exception e) {
                    // counted as a latency of the time it took to fail
                } finally {
                    inflight.decrementAndGet();
                }
                latencies.add(new long[] {t0, System.nanoTime() - t0});
            }
        };
        int total = BEFORE_SECONDS + SURGE_SECONDS;
        double[] concurrency = new double[total * 10];
        for (int i = 0; i < 5; i++) {
            clients.add(Thread.ofVirtual().start(client));
        }
        long start = System.nanoTime();
        long surgeNanos = 0;
        Instant surgeAt = null;
        for (int tick = 0; tick < total * 10; tick++) {
            if (tick == BEFORE_SECONDS * 10) {
                surgeAt = Instant.now();
                surgeNanos = System.nanoTime();
                for (int i = 0; i < 95; i++) {
                    clients.add(Thread.ofVirtual().start(client));
                }
            }
            concurrency[tick] = inflight.get();
            long next = start + (tick + 1) * 100_000_000L;
            long sleep = next - System.nanoTime();
            if (sleep > 0) {
                Thread.sleep(sleep / 1_000_000, (int) (sleep % 1_000_000));
            }
        }
        running.set(false);
        for (Thread t : clients) {
            t.join(30_000);
        }
        // The first scale-up decision and when its instances were Ready, from the platform's own records.
        JsonNode events = send(api, token, "GET", "/api/v1/events?namespace=default&app=surge&limit=1000", null);
        Instant decided = null;
        int to = 0;
        for (JsonNode e : events) {
            if (e.path("reason").asText().equals("ScaledUp")) {
                Instant t = Instant.parse(e.path("time").asText());
                if (decided == null || t.isBefore(decided)) {
                    decided = t;
                    String m = e.path("message").asText();
                    to = Integer.parseInt(m.replaceAll("^autoscaled \\d+ -> (\\d+).*$", "$1"));
                }
            }
        }
        List<Instant> readyTimes = new ArrayList<>();
        for (JsonNode i : send(api, token, "GET", "/api/v1/namespaces/default/apps/surge/instances", null)) {
            if (i.hasNonNull("readyAt")) {
                readyTimes.add(Instant.parse(i.get("readyAt").asText()));
            }
        }
        Collections.sort(readyTimes);
        int peak = JSON.readTree(send(api, token, "GET", "/api/v1/namespaces/default/apps/surge", null).toString())
                .path("spec").path("replicas").asInt();
        JsonNode status = send(api, token, "GET", "/api/v1/namespaces/default/apps/surge/autoscale", null);
        for (JsonNode d : status.path("decisions")) {
            peak = Math.max(peak, d.path("to").asInt());
        }
        // Ready: the time the to-th instance (of those alive now) became Ready. Instances can be
        // replaced later on, so this reads the earliest `to` ready times after the decision.
        double ready = Double.NaN;
        if (decided != null) {
            final Instant d0 = decided;
            List<Instant> after = readyTimes.stream().filter(t -> t.isAfter(d0)).toList();
            int need = Math.max(1, to - 1);
            if (after.size() >= need) {
                ready = Duration.between(surgeAt, after.get(need - 1)).toMillis() / 1000.0;
            }
        }
        List<Long> surgeLatencies = new ArrayList<>();
        for (long[] l : latencies) {
            if (l[0] >= surgeNanos && l[0] < surgeNanos + 30_000_000_000L) {
                surgeLatencies.add(l[1]);
            }
        }
        Collections.sort(surgeLatencies);
        double p99 = surgeLatencies.isEmpty() ? Double.NaN
                : surgeLatencies.get((int) Math.min(surgeLatencies.size() - 1, Math.ceil(surgeLatencies.size() * 0.99) - 1)) / 1e6;
        stop();
        // Per-second mean concurrency, as the simulated autoscalers would read it, surge at second BEFORE_SECONDS.
        double[] perSecond = new double[total];
        for (int s = 0; s < total; s++) {
            double sum = 0;
            for (int k = 0; k < 10; k++) {
                sum += concurrency[s * 10 + k];
            }
            perSecond[s] = sum / 10;
        }
        double decision = decided == null ? Double.NaN : Duration.between(surgeAt, decided).toMillis() / 1000.0;
        return new Run(decision, ready, p99, peak, perSecond);
    }

    /**
     * Kubernetes HPA defaults: a sync every 15 s (--horizontal-pod-autoscaler-sync-period), the
     * metric as the mean over the last 15 s (metrics-server's default resolution; a custom metric
     * through an adapter is 30-60 s), tolerance 0.1, desired = ceil(current x metric / target),
     * scale-up policy max(4 pods, 100 %) per 15 s, no scale-up stabilization. Returns seconds from
     * the surge to the first sync that scales up; {@code phase} places the syncs.
     */
    static final class Hpa {
        static double firstScaleUp(double[] perSecond, double phase) {
            int replicas = 1;
            for (double t = BEFORE_SECONDS - 15 + phase; t < perSecond.length; t += 15) {
                if (t < 15) {
                    continue;
                }
                double metric = mean(perSecond, (int) Math.floor(t) - 15, (int) Math.floor(t)) / replicas;
                double ratio = metric / TARGET;
                if (Math.abs(ratio - 1) > 0.1 && ratio > 1) {
                    return t - BEFORE_SECONDS;
                }
            }
            return Double.NaN;
        }
    }

    /**
     * Knative KPA defaults: a tick every 2 s, a stable window of 60 s and a panic window of 6 s
     * (10 %), panic when the panic window asks for >= 2x the ready pods (panic-threshold 200 %),
     * desired = ceil(observed concurrency / target) (container-concurrency-target-percentage 70 %
     * is left out: the target is the same 5 as Nuri's). Concurrency averaged per second as the
     * queue-proxies report it. Returns seconds from the surge to the first scale-up.
     */
    static final class Kpa {
        static double firstScaleUp(double[] perSecond, double phase) {
            int ready = 1;
            for (double t = phase + 2; t < perSecond.length; t += 2) {
                int now = (int) Math.floor(t);
                if (now < BEFORE_SECONDS) {
                    continue;
                }
                double panic = mean(perSecond, now - 6, now);
                double stable = mean(perSecond, now - 60, now);
                int panicDesired = (int) Math.ceil(panic / TARGET);
                int stableDesired = (int) Math.ceil(stable / TARGET);
                if (panicDesired >= 2 * ready || stableDesired > ready) {
                    return t - BEFORE_SECONDS;
                }
            }
            return Double.NaN;
        }
    }

    static double mean(double[] a, int from, int to) {
        from = Math.max(0, from);
        to = Math.min(a.length, to);
        if (to <= from) {
            return 0;
        }
        double s = 0;
        for (int i = from; i < to; i++) {
            s += a[i];
        }
        return s / (to - from);
    }

    static String stats(List<Double> values) {
        List<Double> v = values.stream().filter(d -> !Double.isNaN(d)).sorted().toList();
        if (v.isEmpty()) {
            return "n/a";
        }
        return String.format(Locale.ROOT, "%.2f (%.2f-%.2f, n=%d)", v.get(v.size() / 2), v.getFirst(), v.getLast(),
                v.size());
    }

    static int readyCount(String api, String token) {
        try {
            int n = 0;
            for (JsonNode i : send(api, token, "GET", "/api/v1/namespaces/default/apps/surge/instances", null)) {
                if ("Ready".equals(i.path("state").asText())) {
                    n++;
                }
            }
            return n;
        } catch (Exception e) {
            return -1;
        }
    }

    static JsonNode send(String api, String token, String method, String path, String body) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(api + path)).header("Authorization", "Bearer " + token)
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
        HttpResponse<String> r = HTTP.send(b.build(), HttpResponse.BodyHandlers.ofString());
        if (r.statusCode() >= 300) {
            throw new IllegalStateException(method + " " + path + ": " + r.statusCode() + " " + r.body());
        }
        return JSON.readTree(r.body());
    }

    interface Check {
        boolean ok() throws Exception;
    }

    static void waitFor(Check c, Duration timeout) throws Exception {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!c.ok()) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("timed out");
            }
            Thread.sleep(200);
        }
    }

    static void stop() {
        Process p = server;
        if (p != null && p.isAlive()) {
            p.destroy(); // SIGTERM: the server stops every instance it started, then exits
            try {
                p.waitFor(60, java.util.concurrent.TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        server = null;
    }
}
