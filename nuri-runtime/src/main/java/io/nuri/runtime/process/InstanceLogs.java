package io.nuri.runtime.process;

import io.nuri.runtime.DriverException;
import io.nuri.runtime.LaunchSpec;
import java.io.IOException;
import java.io.Reader;
import java.io.Writer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;
import java.util.function.Consumer;

/**
 * Where instances' logs are and whose they are: the live file of an instance, the
 * {@code <id>.log.meta} beside it naming its app and revision, and every log of an app, including
 * those of replaced instances the store has forgotten.
 */
final class InstanceLogs {
    private static final String META_SUFFIX = ".log.meta";

    private final Path dataDir;
    private final int logFiles;
    private final InstanceTable table;

    InstanceLogs(Path dataDir, int logFiles, InstanceTable table) {
        this.dataDir = dataDir;
        this.logFiles = logFiles;
        this.table = table;
    }

    /**
     * Whose log this is, beside it as {@code <id>.log.meta}: the store forgets replaced instances,
     * their logs stay searchable by app and revision until rotation or cleanup removes them.
     */
    static void writeMeta(Path logFile, LaunchSpec spec) throws DriverException {
        Properties meta = new Properties();
        meta.setProperty("namespace", String.valueOf(spec.namespace()));
        meta.setProperty("app", String.valueOf(spec.app()));
        meta.setProperty("revision", Integer.toString(spec.revision()));
        Path file = logFile.resolveSibling(logFile.getFileName() + ".meta");
        try (Writer w = Files.newBufferedWriter(file)) {
            meta.store(w, null);
        } catch (IOException e) {
            throw new DriverException("cannot write " + file + ": " + e.getMessage(), e);
        }
    }

    Path logFile(String instanceId) {
        TrackedInstance t = table.find(instanceId);
        return t != null && t.ih.logFile() != null ? t.ih.logFile()
                : dataDir.resolve("logs").resolve(instanceId + ".log");
    }

    List<LogSearch.Source> sources(String namespace, String app) throws IOException {
        Map<String, LogSearch.Source> out = new TreeMap<>();
        Path dir = dataDir.resolve("logs");
        if (Files.isDirectory(dir)) {
            try (var files = Files.list(dir)) {
                for (Path meta : files.filter(f -> f.getFileName().toString().endsWith(META_SUFFIX)).toList()) {
                    Properties p = new Properties();
                    try (Reader r = Files.newBufferedReader(meta)) {
                        p.load(r);
                    } catch (IOException e) {
                        continue; // removed while listing
                    }
                    if (namespace.equals(p.getProperty("namespace")) && app.equals(p.getProperty("app"))) {
                        String name = meta.getFileName().toString();
                        String id = name.substring(0, name.length() - META_SUFFIX.length());
                        int revision;
                        try {
                            revision = Integer.parseInt(p.getProperty("revision", "0"));
                        } catch (NumberFormatException e) {
                            revision = 0;
                        }
                        out.put(id, new LogSearch.Source(id, revision, dir.resolve(id + ".log"), logFiles));
                    }
                }
            }
        }
        for (TrackedInstance t : table.known()) {
            if (namespace.equals(t.namespace) && app.equals(t.app) && t.ih.logFile() != null) {
                out.putIfAbsent(t.id(), new LogSearch.Source(t.id(), t.revision, t.ih.logFile(), logFiles));
            }
        }
        return List.copyOf(out.values());
    }

    List<String> tail(String instanceId, int lines) throws IOException {
        return LogFiles.tail(logFile(instanceId), lines, logFiles);
    }

    LogFollower follower(String instanceId) {
        return new LogFollower(logFile(instanceId), false);
    }

    AutoCloseable follow(String instanceId, Consumer<String> sink) {
        return LogFollower.follow(follower(instanceId), sink);
    }
}
