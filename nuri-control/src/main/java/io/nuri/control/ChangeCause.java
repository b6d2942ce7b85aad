package io.nuri.control;

import io.nuri.api.spec.RevisionTemplate;
import io.nuri.api.spec.RunSpec;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.TreeSet;

/**
 * Why a revision was made, in one line for {@code rollout history}: what differs between the
 * template it replaced and its own ("env APP_VERSION: v1 -> v2; jar 3f2a1b9c0d1e -> 77aa01b2c3d4").
 * Values of env vars whose name looks secret are never shown, as in {@code describe}.
 */
final class ChangeCause {
    static final String CREATED = "created";
    private static final List<String> SECRET_WORDS = List.of("TOKEN", "SECRET", "PASSWORD", "KEY");
    private static final int MAX = 300;

    private ChangeCause() {}

    static String of(RevisionTemplate before, RevisionTemplate after) {
        if (before == null) {
            return CREATED;
        }
        List<String> parts = new ArrayList<>();
        run(before.run(), after.run(), parts);
        env(before.env(), after.env(), parts);
        if (before.port() != after.port()) {
            parts.add("port " + before.port() + " -> " + after.port());
        }
        if (!Objects.equals(before.resources(), after.resources())) {
            String cpu0 = before.resources() == null ? null : before.resources().cpu();
            String cpu1 = after.resources() == null ? null : after.resources().cpu();
            String mem0 = before.resources() == null ? null : before.resources().memory();
            String mem1 = after.resources() == null ? null : after.resources().memory();
            if (!Objects.equals(cpu0, cpu1)) {
                parts.add("cpu " + dash(cpu0) + " -> " + dash(cpu1));
            }
            if (!Objects.equals(mem0, mem1)) {
                parts.add("memory " + dash(mem0) + " -> " + dash(mem1));
            }
        }
        changed("probes", before.probes(), after.probes(), parts);
        changed("restartPolicy", before.restartPolicy(), after.restartPolicy(), parts);
        changed("volumes", before.volumes(), after.volumes(), parts);
        String text = parts.isEmpty() ? "template changed" : String.join("; ", parts);
        return text.length() <= MAX ? text : text.substring(0, MAX - 3) + "...";
    }

    private static void run(RunSpec a, RunSpec b, List<String> parts) {
        if (a.isJar() != b.isJar()) {
            parts.add(a.isJar() ? "run: jar -> command" : "run: command -> jar");
            return;
        }
        if (!Objects.equals(a.jar(), b.jar())) {
            parts.add("jar " + artifact(a.jar()) + " -> " + artifact(b.jar()));
        }
        changed("command", a.command(), b.command(), parts);
        changed("args", a.args(), b.args(), parts);
        changed("javaOpts", a.javaOpts(), b.javaOpts(), parts);
        changed("workingDir", a.workingDir(), b.workingDir(), parts);
    }

    /** A pinned artifact by the first 12 hex digits of its sha256; any other path as it is. */
    static String artifact(String jar) {
        String name = Path.of(jar).getFileName().toString();
        if (name.matches("[0-9a-f]{64}\\.jar")) {
            return name.substring(0, 12);
        }
        return jar;
    }

    private static void env(Map<String, String> a, Map<String, String> b, List<String> parts) {
        TreeSet<String> keys = new TreeSet<>(a.keySet());
        keys.addAll(b.keySet());
        for (String k : keys) {
            String v0 = a.get(k);
            String v1 = b.get(k);
            if (Objects.equals(v0, v1)) {
                continue;
            }
            if (secret(k)) {
                parts.add("env " + k + (v0 == null ? " added" : v1 == null ? " removed" : " changed"));
            } else if (v0 == null) {
                parts.add("env +" + k + "=" + v1);
            } else if (v1 == null) {
                parts.add("env -" + k);
            } else {
                parts.add("env " + k + ": " + v0 + " -> " + v1);
            }
        }
    }

    private static void changed(String what, Object a, Object b, List<String> parts) {
        if (!Objects.equals(a, b)) {
            parts.add(what + " changed");
        }
    }

    private static String dash(String s) {
        return s == null ? "-" : s;
    }

    static boolean secret(String envName) {
        String upper = envName.toUpperCase(Locale.ROOT);
        return SECRET_WORDS.stream().anyMatch(upper::contains);
    }
}
