package io.nuri.server;

import com.fasterxml.jackson.databind.JsonNode;
import io.nuri.api.codec.Json;
import io.nuri.cli.Nuri;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.awaitility.Awaitility;

/**
 * A real platform process for end-to-end tests ({@code java ... ServerMain}), talked to with
 * the real CLI. {@link #close} stops it and kills every process it or its instances left,
 * also when the test failed.
 */
final class ServerProcess implements AutoCloseable {
    static final Path SAMPLE_JAR = findSampleJar();

    final Path dataDir;
    final Path stdout;
    private Process process;
    private final Set<Long> seenPids = new HashSet<>();
    /** Extra environment of the server process (e.g. a webhook secret), set before launch. */
    final Map<String, String> env = new java.util.HashMap<>();

    private ServerProcess(Path dataDir) {
        this.dataDir = dataDir;
        this.stdout = dataDir.resolveSibling(dataDir.getFileName() + "-server.log");
    }

    static ServerProcess start(Path dataDir, String... extraArgs) {
        return start(dataDir, Map.of(), extraArgs);
    }

    static ServerProcess start(Path dataDir, Map<String, String> env, String... extraArgs) {
        ServerProcess s = new ServerProcess(dataDir);
        s.env.putAll(env);
        s.launch(extraArgs);
        return s;
    }

    void launch(String... extraArgs) {
        List<String> cmd = new ArrayList<>(List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "--enable-native-access=ALL-UNNAMED", "--sun-misc-unsafe-memory-access=allow",
                "-Xmx256m", "-XX:+UseSerialGC",
                "-cp", System.getProperty("java.class.path"),
                ServerMain.class.getName(),
                "--data-dir", dataDir.toString(), "--api-port", "0", "--gateway-port", "0", "--stop-grace", "5"));
        cmd.addAll(List.of(extraArgs));
        try {
            Files.deleteIfExists(dataDir.resolve(NuriServer.SERVER_FILE));
            ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.appendTo(stdout.toFile()));
            pb.environment().remove("NURI_HOME");
            pb.environment().putAll(env);
            process = pb.start();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        Awaitility.await("server.json of " + dataDir).atMost(Duration.ofSeconds(60))
                .pollInterval(Duration.ofMillis(100))
                .until(() -> {
                    if (!process.isAlive()) {
                        throw new AssertionError("server exited with " + process.exitValue() + ":\n" + log());
                    }
                    return Files.exists(dataDir.resolve(NuriServer.SERVER_FILE));
                });
    }

    long pid() {
        return process.pid();
    }

    Process process() {
        return process;
    }

    String url() {
        return serverInfo("url");
    }

    /** The in-process gateway's http:// URL, from server.json. */
    String gatewayUrl() {
        return serverInfo("gatewayUrl");
    }

    private String serverInfo(String field) {
        try {
            return Json.MAPPER.readTree(Files.readString(dataDir.resolve(NuriServer.SERVER_FILE))).get(field).asText();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Writes {@code yaml} to {@code file} and applies it with the CLI; fails the test if refused. */
    void apply(Path file, String yaml) {
        try {
            Files.writeString(file, yaml);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        CliResult r = nuri("apply", "-f", file.toString());
        if (r.code() != 0) {
            throw new AssertionError("apply of " + file + " failed: " + r);
        }
    }

    String token() {
        try {
            return Files.readString(dataDir.resolve(AdminToken.FILE)).trim();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    String log() {
        try {
            return Files.exists(stdout) ? Files.readString(stdout) : "";
        } catch (IOException e) {
            return e.toString();
        }
    }

    /** Runs the real CLI in-process with NURI_HOME pointing at this server's data dir. */
    CliResult nuri(String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int code = Nuri.run(args, new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8),
                Map.of("NURI_HOME", dataDir.toString(), "HOME", System.getProperty("user.home")));
        return new CliResult(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    record CliResult(int code, String out, String err) {
        JsonNode json() {
            try {
                return Json.MAPPER.readTree(out);
            } catch (IOException e) {
                throw new AssertionError("not JSON (exit " + code + ", stderr " + err + "): " + out, e);
            }
        }
    }

    /** {@code get instances APP -o json}; remembers every pid seen so close() can clean up. */
    List<JsonNode> instances(String app) {
        CliResult r = nuri("get", "instances", app, "-o", "json");
        if (r.code() != 0) {
            throw new AssertionError("get instances failed: " + r);
        }
        List<JsonNode> items = new ArrayList<>();
        r.json().forEach(items::add);
        items.forEach(i -> {
            if (i.path("pid").asLong() > 0) {
                seenPids.add(i.get("pid").asLong());
            }
        });
        return items;
    }

    /** A pid of one of these instances, found on the machine (the server may be down). */
    long instances0pid(java.util.Collection<String> ids) throws IOException {
        List<Long> pids = PlatformRestartE2ETest.instanceProcessesOf(new HashSet<>(ids));
        pids.forEach(seenPids::add);
        return pids.get(0);
    }

    List<JsonNode> readyInstances(String app) {
        return instances(app).stream().filter(i -> "Ready".equals(i.path("state").asText())).toList();
    }

    List<JsonNode> events(String app) {
        HttpResult r = http("GET", "/api/v1/events?namespace=default&limit=1000&app=" + app, null, token());
        List<JsonNode> items = new ArrayList<>();
        r.json().forEach(items::add);
        return items;
    }

    record HttpResult(int status, String body) {
        JsonNode json() {
            try {
                return Json.MAPPER.readTree(body);
            } catch (IOException e) {
                throw new AssertionError("not JSON (" + status + "): " + body, e);
            }
        }
    }

    /** A raw API call; {@code token} null sends no Authorization header. */
    HttpResult http(String method, String path, String body, String token) {
        java.net.http.HttpRequest.Builder b = java.net.http.HttpRequest.newBuilder(java.net.URI.create(url() + path))
                .timeout(Duration.ofSeconds(30))
                .method(method, body == null ? java.net.http.HttpRequest.BodyPublishers.noBody()
                        : java.net.http.HttpRequest.BodyPublishers.ofString(body));
        if (token != null) {
            b.header("Authorization", "Bearer " + token);
        }
        try (java.net.http.HttpClient client = java.net.http.HttpClient.newBuilder().version(java.net.http.HttpClient.Version.HTTP_1_1).build()) {
            java.net.http.HttpResponse<String> r = client.send(b.build(), java.net.http.HttpResponse.BodyHandlers.ofString());
            return new HttpResult(r.statusCode(), r.body());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    void kill9() {
        process.destroyForcibly();
        try {
            process.waitFor(30, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** SIGTERM and wait; returns the exit code. */
    int terminate(Duration timeout) throws InterruptedException {
        process.destroy();
        if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
            throw new AssertionError("server did not stop within " + timeout);
        }
        return process.exitValue();
    }

    @Override
    public void close() {
        Set<ProcessHandle> leftovers = new HashSet<>();
        if (process != null) {
            process.descendants().forEach(leftovers::add);
            if (process.isAlive()) {
                process.destroy();
                try {
                    if (!process.waitFor(20, TimeUnit.SECONDS)) {
                        process.destroyForcibly();
                    }
                } catch (InterruptedException e) {
                    process.destroyForcibly();
                    Thread.currentThread().interrupt();
                }
            }
        }
        seenPids.forEach(pid -> ProcessHandle.of(pid).ifPresent(leftovers::add));
        for (ProcessHandle h : leftovers) {
            if (h.isAlive() && isInstanceOf(h)) {
                h.descendants().forEach(ProcessHandle::destroyForcibly);
                h.destroyForcibly();
            }
        }
    }

    /** Only kill what is ours: a process whose environment names a Nuri instance. */
    private static boolean isInstanceOf(ProcessHandle h) {
        try {
            byte[] env = Files.readAllBytes(Path.of("/proc", Long.toString(h.pid()), "environ"));
            return new String(env, StandardCharsets.UTF_8).contains("NURI_INSTANCE_ID=");
        } catch (IOException e) {
            return false; // gone already, or not ours to read
        }
    }

    static boolean alive(long pid) {
        return ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false);
    }

    private static Path findSampleJar() {
        Path dir = Path.of("").toAbsolutePath();
        for (Path p = dir; p != null; p = p.getParent()) {
            Path jar = p.resolve("examples/sample-app/target/sample-app.jar");
            if (Files.exists(jar)) {
                return jar;
            }
        }
        throw new IllegalStateException("examples/sample-app/target/sample-app.jar not found above " + dir
                + "; build the reactor (./mvnw verify builds it first)");
    }
}
