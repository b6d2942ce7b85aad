package io.nuri.api.codec;

import io.nuri.api.spec.RunSpec;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.List;

/** Reads {@code spec.run}: a jar or a command, with paths resolved against the spec's folder. */
final class RunReader {
    static final List<String> FIELDS = List.of("jar", "command", "args", "javaOpts", "workingDir");

    private RunReader() {}

    static RunSpec read(NodeReader r, Path baseDir) {
        if (r == null) {
            return null;
        }
        boolean hasJar = r.has("jar");
        boolean hasCommand = r.has("command");
        if (!hasJar && !hasCommand) {
            r.error("must have exactly one of jar, command");
        } else if (hasJar && hasCommand) {
            r.error("must have only one of jar, command, got both");
        }
        String jar = path(r, "jar", baseDir);
        List<String> command = null;
        if (hasCommand) {
            if (r.raw("command").isTextual()) {
                r.error("command", "must be a list of strings (program and arguments), "
                        + "e.g. [\"./server\", \"--port\", \"8080\"], got a string");
            } else {
                command = r.strings("command");
                if (command != null && command.isEmpty()) {
                    r.error("command", "must not be empty");
                } else if (command != null && command.getFirst().isBlank()) {
                    r.error("command", "the program (first element) must not be blank");
                }
            }
        }
        List<String> args = r.strings("args");
        List<String> javaOpts = r.strings("javaOpts");
        if (r.has("javaOpts") && !hasJar) {
            r.error("javaOpts", "only allowed with jar");
        }
        String workingDir = path(r, "workingDir", baseDir);
        return new RunSpec(jar, command, args, javaOpts, workingDir);
    }

    /** A path field made absolute and normalized; relative ones resolve against baseDir. */
    private static String path(NodeReader r, String field, Path baseDir) {
        String s = r.string(field);
        if (s == null) {
            return null;
        }
        if (s.isBlank()) {
            r.error(field, "must not be empty");
            return null;
        }
        Path p;
        try {
            p = Path.of(s);
        } catch (InvalidPathException e) {
            r.error(field, "is not a valid path: " + e.getReason() + ", got " + Json.write(s));
            return null;
        }
        if (p.isAbsolute()) {
            return p.normalize().toString();
        }
        if (baseDir == null) {
            r.error(field, "must be an absolute path when the spec is not read from a file, got " + Json.write(s));
            return null;
        }
        return baseDir.resolve(p).toAbsolutePath().normalize().toString();
    }
}
