package io.nuri.kubernetes;

import io.nuri.api.spec.App;
import io.nuri.api.spec.RunSpec;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * A Containerfile (Docker/Podman/Buildah) for a jar app: the immutable image the seed asks legacy
 * apps to become, where changing the base OS is one line ({@code --base-image}).
 */
public final class Containerfiles {
    public static final String DEFAULT_BASE_IMAGE = "docker.io/library/eclipse-temurin:21-jre";

    private Containerfiles() {}

    /** @throws IllegalArgumentException for a command app (it has no jar to put in an image) */
    public static String of(App app, String baseImage, MappingOptions options) {
        RunSpec run = app.spec().run();
        if (!run.isJar()) {
            throw new IllegalArgumentException("app " + app.key() + " runs a command, not a jar: a Containerfile is made "
                    + "for jar apps only (a command app runs in --command-image on the cluster)");
        }
        String jar = Path.of(run.jar()).getFileName().toString();
        String tag = options.imageRegistry() + "/" + app.name() + ":" + AppManifests.specHash(app).substring(0, 12);
        List<String> entry = new ArrayList<>(List.of("java"));
        entry.addAll(run.javaOpts());
        if (app.spec().resources() != null && app.spec().resources().memory() != null
                && run.javaOpts().stream().noneMatch(o -> o.startsWith("-Xmx") || o.startsWith("-XX:MaxRAM"))) {
            entry.add("-XX:MaxRAMPercentage=75");
        }
        entry.addAll(List.of("-jar", AppManifests.JAR_PATH));
        Map<String, String> env = new TreeMap<>();
        app.spec().env().forEach((k, v) -> {
            if (!AppManifests.SECRET_KEY.matcher(k).matches()) {
                env.put(k, v);
            }
        });
        env.put("PORT", String.valueOf(app.spec().port()));
        StringBuilder b = new StringBuilder();
        b.append("# Containerfile for App ").append(app.key()).append(", made by `nuri export --target containerfile`.\n");
        b.append("# Build next to the jar and push where the cluster pulls from (the tag nuri export --target kubernetes uses):\n");
        b.append("#   podman build -f Containerfile -t ").append(tag).append(" ").append(parent(run.jar())).append('\n');
        b.append("#   podman push ").append(tag).append('\n');
        b.append("# The base image is the only line to change to move the app to another OS or JRE (--base-image).\n");
        b.append("FROM ").append(baseImage).append('\n');
        b.append("WORKDIR /app\n");
        b.append("COPY ").append(jar).append(' ').append(AppManifests.JAR_PATH).append('\n');
        env.forEach((k, v) -> b.append("ENV ").append(k).append('=').append(quote(v)).append('\n'));
        b.append("# Secrets (").append(String.join(", ", secretKeys(app))).append(") are not baked in: the cluster gives them from a Secret.\n");
        b.append("EXPOSE ").append(app.spec().port()).append('\n');
        b.append("# Not root: any non-zero uid works for a JRE image, and OpenShift assigns its own.\n");
        b.append("USER 10001:0\n");
        if (app.spec().probes() != null && app.spec().probes().readiness() != null && app.spec().probes().readiness().http() != null) {
            b.append("# Health: Kubernetes probes GET ").append(app.spec().probes().readiness().http().path())
                    .append(" (Deployment readinessProbe); a HEALTHCHECK would need curl in the image.\n");
        }
        b.append("ENTRYPOINT ").append(jsonArray(entry)).append('\n');
        if (!run.args().isEmpty()) {
            b.append("CMD ").append(jsonArray(run.args())).append('\n');
        }
        return b.toString();
    }

    private static List<String> secretKeys(App app) {
        List<String> keys = app.spec().env().keySet().stream().filter(k -> AppManifests.SECRET_KEY.matcher(k).matches()).sorted().toList();
        return keys.isEmpty() ? List.of("none here") : keys;
    }

    private static String parent(String jar) {
        Path p = Path.of(jar).getParent();
        return p == null ? "." : p.toString();
    }

    private static String quote(String v) {
        return "\"" + v.replace("\\", "\\\\").replace("\"", "\\\"") + "\"";
    }

    private static String jsonArray(List<String> items) {
        List<String> q = items.stream().map(Containerfiles::quote).toList();
        return "[" + String.join(", ", q) + "]";
    }
}
