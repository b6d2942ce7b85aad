// Platform core benchmark (issue "Platform core"): four measurements, each side by side with an
// anchor in the same run, so the ratio survives a noisy shared machine.
//
//   ./nuri --build >/dev/null 2>&1 || true
//   java -cp 'nuri-dist/target/dist/lib/*' bench/CoreBench.java [runs]      (from the repo root)
//
// 1. heal:   kill -9 of an instance -> the same instance Ready again (new pid), as the API reports
//            it. Nuri's default probe timing vs Kubernetes' default timing (readiness every 10 s)
//            on the same engine. Each kill hits a fresh instance (first crash: no backoff).
// 2. start:  `./nuri server` spawned -> /readyz answers 200, vs the sample app's JVM spawned ->
//            /health answers 200 (what a bare JDK HTTP service costs).
// 3. memory: RSS of the idle platform running examples/portal.yaml (2 instances), vs one instance.
// 4. cli:    wall time of `./nuri get apps` vs `curl` of the same API call.
//
// Everything listens on and talks to 127.0.0.1 only; every process started here is stopped by pid.
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;

public class CoreBench {
    static final ObjectMapper JSON = new ObjectMapper();
    static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(2)).build();
    static final Path ROOT = Path.of("").toAbsolutePath();
    static final List<Process> started = new ArrayList<>();

    public static void main(String[] args) throws Exception {
        int runs = args.length > 0 ? Integer.parseInt(args[0]) : 20;
        Runtime.getRuntime().addShutdownHook(new Thread(CoreBench::stopAll));
        Path work = Files.createTempDirectory("nuri-bench");
        System.out.printf("# Nuri core benchmark, %s, %d runs each, %d cores%n%n", java.time.LocalDate.now(), runs,
                Runtime.getRuntime().availableProcessors());
        heal(work.resolve("heal"), runs);
        start(work.resolve("start"), runs);
        memory(work.resolve("memory"));
        cli(work.resolve("cli"), runs);
        stopAll();
    }

    // ------------------------------------------------------------------ 1. heal

    static void heal(Path data, int runs) throws Exception {
        Files.createDirectories(data);
        String common = """
                apiVersion: nuri.io/v1
                kind: App
                metadata: {name: %s}
                spec:
                  run:
                    jar: %s
                    javaOpts: ["-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC", "-Xmx24m", "-Xss256k"]
                  replicas: %d
                  probes:
                    readiness: {http: {path: /health}, periodSeconds: %s, failureThreshold: 3}
                """;
        Path jar = ROOT.resolve("examples/sample-app/target/sample-app.jar");
        Files.writeString(data.resolve("apps.yaml"), common.formatted("heal-nuri", jar, runs, "1") + "---\n"
                + common.formatted("heal-k8s", jar, runs, "10"));
        Server s = Server.start(data, "--apply", data.resolve("apps.yaml").toString());
        await(() -> readyCount(s, "heal-nuri") == runs && readyCount(s, "heal-k8s") == runs, Duration.ofMinutes(5));
        Thread.sleep(5000); // let every JVM settle before timing anything
        List<Double> nuri = new ArrayList<>();
        List<Double> k8s = new ArrayList<>();
        List<JsonNode> nuriInstances = instances(s, "heal-nuri");
        List<JsonNode> k8sInstances = instances(s, "heal-k8s");
        for (int i = 0; i < runs; i++) {
            nuri.add(killAndTimeReady(s, nuriInstances.get(i)));
            k8s.add(killAndTimeReady(s, k8sInstances.get(i)));
        }
        s.stop();
        row("heal: kill -9 -> Ready again (s)", "Nuri defaults (readiness 1 s)", nuri,
                "Kubernetes default timing (readiness 10 s)", k8s);
    }

    static double killAndTimeReady(Server s, JsonNode instance) throws Exception {
        String id = instance.get("id").asText();
        long pid = instance.get("pid").asLong();
        long t0 = System.nanoTime();
        ProcessHandle.of(pid).orElseThrow().destroyForcibly();
        await(() -> {
            JsonNode now = s.get("/api/v1/instances?app=" + instance.get("app").asText());
            for (JsonNode i : now) {
                if (i.get("id").asText().equals(id)) {
                    return "Ready".equals(i.get("state").asText()) && i.get("pid").asLong() != pid;
                }
            }
            return false;
        }, Duration.ofMinutes(2));
        return (System.nanoTime() - t0) / 1e9;
    }

    // ------------------------------------------------------------------ 2. start

    static void start(Path base, int runs) throws Exception {
        List<Double> nuri = new ArrayList<>();
        List<Double> app = new ArrayList<>();
        for (int i = 0; i < runs; i++) {
            long t0 = System.nanoTime();
            Server s = Server.start(base.resolve("d" + i));
            await(() -> s.status("/readyz") == 200, Duration.ofMinutes(1));
            nuri.add((System.nanoTime() - t0) / 1e9);
            s.stop();

            int port = freePort();
            t0 = System.nanoTime();
            ProcessBuilder pb = new ProcessBuilder(javaBin(), "-jar",
                    ROOT.resolve("examples/sample-app/target/sample-app.jar").toString())
                    .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD);
            pb.environment().put("PORT", Integer.toString(port));
            Process p = track(pb.start());
            await(() -> status("http://127.0.0.1:" + port + "/health", null) == 200, Duration.ofMinutes(1));
            app.add((System.nanoTime() - t0) / 1e9);
            p.destroy();
            p.waitFor();
        }
        row("start: process spawned -> answering (s)", "./nuri server -> /readyz", nuri,
                "sample app JVM -> /health", app);
    }

    // ------------------------------------------------------------------ 3. memory

    static void memory(Path data) throws Exception {
        Server s = Server.start(data, "--apply", ROOT.resolve("examples/portal.yaml").toString());
        await(() -> readyCount(s, "portal") == 2, Duration.ofMinutes(2));
        Thread.sleep(15_000); // idle
        List<Double> platform = new ArrayList<>();
        List<Double> instance = new ArrayList<>();
        for (int i = 0; i < 10; i++) {
            platform.add(rssMiB(s.pid()));
            for (JsonNode inst : instances(s, "portal")) {
                instance.add(rssMiB(inst.get("pid").asLong()));
            }
            Thread.sleep(500);
        }
        s.stop();
        row("memory: idle RSS (MiB), examples/portal.yaml", "platform (server JVM)", platform,
                "one portal instance", instance);
    }

    // ------------------------------------------------------------------ 4. cli

    static void cli(Path data, int runs) throws Exception {
        Server s = Server.start(data, "--apply", ROOT.resolve("examples/portal.yaml").toString());
        await(() -> readyCount(s, "portal") == 2, Duration.ofMinutes(2));
        List<Double> nuri = new ArrayList<>();
        List<Double> curl = new ArrayList<>();
        for (int i = 0; i < runs + 2; i++) {
            double a = timeCommand(data, List.of(ROOT.resolve("nuri").toString(), "get", "apps"));
            double b = timeCommand(data, List.of("curl", "-sf", "-o", "/dev/null", "-H",
                    "Authorization: Bearer " + s.token(), s.url + "/api/v1/apps"));
            if (i >= 2) { // two warm-up runs: the first creates the CLI's class-data archive
                nuri.add(a);
                curl.add(b);
            }
        }
        s.stop();
        row("cli: wall time of one command (s)", "./nuri get apps", nuri, "curl of /api/v1/apps", curl);
    }

    static double timeCommand(Path data, List<String> cmd) throws Exception {
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD);
        pb.environment().put("NURI_HOME", data.toString());
        pb.environment().put("NURI_SKIP_BUILD", "1");
        long t0 = System.nanoTime();
        Process p = track(pb.start());
        if (p.waitFor() != 0) {
            throw new IllegalStateException(cmd + " failed");
        }
        return (System.nanoTime() - t0) / 1e9;
    }

    // ------------------------------------------------------------------ helpers

    record Server(Process process, Path data, String url) {
        static Server start(Path data, String... extra) throws Exception {
            Files.createDirectories(data);
            List<String> cmd = new ArrayList<>(List.of(ROOT.resolve("nuri").toString(), "server", "--data-dir",
                    data.toString(), "--api-port", "0"));
            cmd.addAll(List.of(extra));
            ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true)
                    .redirectOutput(data.resolveSibling(data.getFileName() + ".log").toFile());
            pb.environment().put("NURI_SKIP_BUILD", "1");
            Process p = track(pb.start());
            Path file = data.resolve("server.json");
            await(() -> Files.exists(file) || !p.isAlive(), Duration.ofMinutes(1));
            if (!p.isAlive()) {
                throw new IllegalStateException("server failed; see " + data + ".log");
            }
            return new Server(p, data, JSON.readTree(Files.readString(file)).get("url").asText());
        }

        long pid() throws IOException {
            return JSON.readTree(Files.readString(data.resolve("server.json"))).get("pid").asLong();
        }

        String token() throws IOException {
            return Files.readString(data.resolve("admin.token")).trim();
        }

        JsonNode get(String path) throws Exception {
            HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(URI.create(url + path))
                    .header("Authorization", "Bearer " + token()).build(), HttpResponse.BodyHandlers.ofString());
            return JSON.readTree(r.body());
        }

        int status(String path) {
            return CoreBench.status(url + path, null);
        }

        void stop() throws Exception {
            ProcessHandle.of(pid()).ifPresent(ProcessHandle::destroy);
            process.waitFor();
        }
    }

    static List<JsonNode> instances(Server s, String app) throws Exception {
        List<JsonNode> list = new ArrayList<>();
        s.get("/api/v1/instances?app=" + app).forEach(list::add);
        return list;
    }

    static int readyCount(Server s, String app) throws Exception {
        return (int) instances(s, app).stream().filter(i -> "Ready".equals(i.get("state").asText())).count();
    }

    static int status(String url, String token) {
        try {
            return HTTP.send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(2)).build(),
                    HttpResponse.BodyHandlers.discarding()).statusCode();
        } catch (Exception e) {
            return -1;
        }
    }

    static double rssMiB(long pid) throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc", Long.toString(pid), "status"))) {
            if (line.startsWith("VmRSS:")) {
                return Long.parseLong(line.replaceAll("\\D", "")) / 1024.0;
            }
        }
        return Double.NaN;
    }

    interface Check {
        boolean ok() throws Exception;
    }

    static void await(Check check, Duration timeout) throws Exception {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!check.ok()) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("timed out after " + timeout);
            }
            Thread.sleep(20);
        }
    }

    static int freePort() throws IOException {
        try (var s = new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }

    static String javaBin() {
        return Path.of(System.getProperty("java.home"), "bin", "java").toString();
    }

    static Process track(Process p) {
        started.add(p);
        return p;
    }

    static void stopAll() {
        for (Process p : started) {
            p.descendants().forEach(ProcessHandle::destroy);
            p.destroy();
        }
    }

    static void row(String what, String aName, List<Double> a, String bName, List<Double> b) {
        double ma = median(a);
        double mb = median(b);
        System.out.printf(Locale.ROOT, "| %s | %s | %.3f (p10 %.3f, p90 %.3f) | %s | %.3f (p10 %.3f, p90 %.3f) | %.2f |%n",
                what, aName, ma, pct(a, 10), pct(a, 90), bName, mb, pct(b, 10), pct(b, 90), ma / mb);
    }

    static double median(List<Double> v) {
        return pct(v, 50);
    }

    static double pct(List<Double> values, int p) {
        List<Double> v = new ArrayList<>(values);
        Collections.sort(v);
        double idx = (v.size() - 1) * p / 100.0;
        int lo = (int) Math.floor(idx);
        int hi = (int) Math.ceil(idx);
        return v.get(lo) + (v.get(hi) - v.get(lo)) * (idx - lo);
    }
}
