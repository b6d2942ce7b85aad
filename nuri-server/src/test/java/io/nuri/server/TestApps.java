package io.nuri.server;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.nuri.api.codec.Json;
import java.io.UncheckedIOException;

/**
 * The sample app's spec as the e2e tests apply it: a builder over what they vary, written by the
 * platform's own YAML mapper (tests that check the YAML itself keep their text inline).
 */
final class TestApps {
    private TestApps() {
    }

    /** The sample jar, Ready once {@code /health} answers; no replicas field, no routes, no liveness. */
    static Spec sample(String name) {
        return new Spec(name);
    }

    /**
     * The sample app for tests where the platform restarts what hangs: a JVM that starts fast, probes
     * every 0.5 s, and liveness only once started (a JVM slow to start on a busy machine is not hung).
     */
    static Spec supervised(String name) {
        return sample(name).smallJvm().readinessEvery(0.5)
                .set("probes.startup", "{http: {path: /health}, periodSeconds: 0.5, failureThreshold: 120}")
                .set("probes.liveness", "{http: {path: /health}, periodSeconds: 0.5, timeoutSeconds: 0.5, failureThreshold: 3}");
    }

    static final class Spec {
        private final ObjectNode app = Json.YAML.createObjectNode();
        private final ObjectNode spec;
        private final ObjectNode run;

        private Spec(String name) {
            app.put("apiVersion", "nuri.io/v1").put("kind", "App");
            app.putObject("metadata").put("name", name);
            spec = app.putObject("spec");
            run = spec.putObject("run").put("jar", ServerProcess.SAMPLE_JAR.toString());
            spec.putObject("probes").putObject("readiness").putObject("http").put("path", "/health");
        }

        /** C1 only and a small heap: the JVM starts fast on a loaded machine. */
        Spec smallJvm() {
            return javaOpts("-XX:TieredStopAtLevel=1", "-Xmx64m");
        }

        /** Adds to the JVM options given so far. */
        Spec javaOpts(String... opts) {
            for (String o : opts) {
                run.withArrayProperty("javaOpts").add(o);
            }
            return this;
        }

        /** Runs this command instead of the sample jar (a revision that cannot start, say). */
        Spec command(String... argv) {
            run.removeAll();
            run.set("command", Json.YAML.valueToTree(argv));
            return this;
        }

        Spec replicas(int n) {
            spec.put("replicas", n);
            return this;
        }

        Spec env(String name, String value) {
            spec.withObjectProperty("env").put(name, value);
            return this;
        }

        /** One more route by path prefix; {@code set("routes", ...)} for hosts or stripPrefix. */
        Spec route(String path) {
            spec.withArrayProperty("routes").addObject().put("path", path);
            return this;
        }

        Spec readinessEvery(double seconds) {
            spec.withObjectProperty("probes").withObjectProperty("readiness").put("periodSeconds", seconds);
            return this;
        }

        /** The autoscale section, in YAML (block or flow). */
        Spec autoscale(String yaml) {
            return set("autoscale", yaml);
        }

        /** Any other field under spec, by a dotted path, in YAML: {@code set("rollout", "{maxSurge: 1}")}. */
        Spec set(String path, String yaml) {
            ObjectNode parent = spec;
            String[] names = path.split("\\.");
            for (int i = 0; i < names.length - 1; i++) {
                parent = parent.withObjectProperty(names[i]);
            }
            try {
                parent.set(names[names.length - 1], Json.YAML.readTree(yaml));
            } catch (JsonProcessingException e) {
                throw new UncheckedIOException(e);
            }
            return this;
        }

        String yaml() {
            return Json.writeYaml(app);
        }
    }
}
