package io.nuri.runtime.process;

import io.nuri.api.spec.Resources;
import io.nuri.api.spec.RunSpec;
import io.nuri.runtime.LaunchSpec;
import io.nuri.runtime.Ports;
import io.nuri.sample.SampleApp;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

/** Test helpers: launch specs for the sample app and for commands, and plain HTTP calls. */
public final class Instances {
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(1)).build();

    private Instances() {}

    public static Path sampleJar() {
        try {
            Path p = Path.of(SampleApp.class.getProtectionDomain().getCodeSource().getLocation().toURI());
            if (Files.isRegularFile(p)) {
                return p;
            }
        } catch (Exception ignored) {
            // fall through
        }
        return Path.of("/work/main/examples/sample-app/target/sample-app.jar");
    }

    public static LaunchSpec sampleApp(String id, Path logDir, Resources resources, Map<String, String> env) {
        return new LaunchSpec(id, "default", "sample", 1, new RunSpec(sampleJar().toString(), null, null, null, null),
                env, Ports.freeLocalPort(), resources, logDir, Duration.ofSeconds(5));
    }

    public static LaunchSpec command(String id, Path logDir, String... argv) {
        return new LaunchSpec(id, "default", "cmd", 1, new RunSpec(null, List.of(argv), null, null, null),
                Map.of(), Ports.freeLocalPort(), Resources.NONE, logDir, Duration.ofSeconds(5));
    }

    /** HTTP status of GET, or -1 when the request failed. */
    public static int get(int port, String path) {
        try {
            HttpRequest req = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                    .timeout(Duration.ofSeconds(2)).build();
            return HTTP.send(req, HttpResponse.BodyHandlers.discarding()).statusCode();
        } catch (IOException e) {
            return -1;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return -1;
        }
    }

    /** SIGKILL from outside, as an operator's {@code kill -9} would. */
    public static void kill9(long pid) throws Exception {
        new ProcessBuilder("kill", "-9", Long.toString(pid)).inheritIO().start().waitFor();
    }

    /** The safety net: SIGKILL to a pid and everything below it. */
    public static void killTree(long pid) {
        ProcessHandle.of(pid).ifPresent(h -> {
            h.descendants().forEach(ProcessHandle::destroyForcibly);
            h.destroyForcibly();
        });
    }

    /** SIGKILL to every process carrying a driver's owner marker. */
    public static void killMarked(String owner) {
        for (Procfs.Marked m : Procfs.markedWith(ProcessDriver.ENV_OWNER + "=" + owner)) {
            killTree(m.pid());
        }
    }

    public static boolean alive(long pid) {
        return ProcessHandle.of(pid).map(ProcessTrees::isAlive).orElse(false);
    }
}
