package io.nuri.runtime.process;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The few Linux {@code /proc} readings the JDK does not offer: a process's initial environment
 * (our identity marker), its state (a zombie is not alive), and one scan of all processes.
 * Every method answers "unknown" (empty) rather than throwing when /proc is missing (macOS) or a
 * file is not readable (another user's process) or vanishes mid-read (the process just ended).
 */
final class Procfs {
    private static final Path PROC = Path.of("/proc");

    private Procfs() {}

    static boolean available() {
        return Files.isDirectory(PROC.resolve("self"));
    }

    /** All pids now, in no particular order. */
    static List<Long> pids() {
        List<Long> out = new ArrayList<>();
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(PROC)) {
            for (Path p : ds) {
                String n = p.getFileName().toString();
                if (!n.isEmpty() && n.chars().allMatch(Character::isDigit)) {
                    out.add(Long.parseLong(n));
                }
            }
        } catch (IOException | RuntimeException e) {
            // no /proc: callers fall back to the JDK's ProcessHandle
        }
        return out;
    }

    /** The raw NUL-separated environment the process was exec'd with, empty when unreadable. */
    static Optional<byte[]> rawEnviron(long pid) {
        try {
            byte[] b = Files.readAllBytes(PROC.resolve(Long.toString(pid)).resolve("environ"));
            return b.length == 0 ? Optional.empty() : Optional.of(b); // zombies and kernel threads: empty
        } catch (IOException | RuntimeException e) {
            return Optional.empty();
        }
    }

    static Optional<Map<String, String>> environ(long pid) {
        return rawEnviron(pid).map(Procfs::parseEnviron);
    }

    static Map<String, String> parseEnviron(byte[] raw) {
        Map<String, String> env = new HashMap<>();
        int start = 0;
        for (int i = 0; i <= raw.length; i++) {
            if (i == raw.length || raw[i] == 0) {
                if (i > start) {
                    String kv = new String(raw, start, i - start, StandardCharsets.UTF_8);
                    int eq = kv.indexOf('=');
                    if (eq > 0) {
                        env.putIfAbsent(kv.substring(0, eq), kv.substring(eq + 1));
                    }
                }
                start = i + 1;
            }
        }
        return env;
    }

    /** True when {@code raw} holds the exact entry {@code NAME=value}. */
    static boolean hasEntry(byte[] raw, String entry) {
        byte[] e = entry.getBytes(StandardCharsets.UTF_8);
        outer:
        for (int i = 0; i + e.length <= raw.length; i++) {
            if (i > 0 && raw[i - 1] != 0) {
                continue;
            }
            for (int j = 0; j < e.length; j++) {
                if (raw[i + j] != e[j]) {
                    continue outer;
                }
            }
            if (i + e.length == raw.length || raw[i + e.length] == 0) {
                return true;
            }
        }
        return false;
    }

    /** One line of /proc/PID/stat, split after the command name (which may hold spaces). */
    private static Optional<String[]> stat(long pid) {
        try {
            String s = Files.readString(PROC.resolve(Long.toString(pid)).resolve("stat"), StandardCharsets.UTF_8);
            int close = s.lastIndexOf(')');
            if (close < 0) {
                return Optional.empty();
            }
            // fields[0] = state (field 3), fields[1] = ppid (field 4), ...
            return Optional.of(s.substring(close + 2).trim().split(" "));
        } catch (IOException | RuntimeException e) {
            return Optional.empty();
        }
    }

    /** True when the process has ended but was not reaped yet (its parent did not wait). */
    static boolean isZombie(long pid) {
        return stat(pid).map(f -> f[0].equals("Z") || f[0].equals("X")).orElse(false);
    }

    /** ppid -> children of every process now (one pass over /proc). */
    static Map<Long, List<Long>> childrenByParent() {
        Map<Long, List<Long>> out = new HashMap<>();
        for (long pid : pids()) {
            Optional<String[]> f = stat(pid);
            if (f.isPresent() && f.get().length > 1) {
                try {
                    out.computeIfAbsent(Long.parseLong(f.get()[1]), k -> new ArrayList<>()).add(pid);
                } catch (NumberFormatException ignored) {
                    // a malformed line: skip the process
                }
            }
        }
        return out;
    }

    /** A process carrying our owner marker and the instance id it was given. */
    record Marked(long pid, String instanceId) {}

    /** Every process whose environment holds {@code NURI_OWNER=owner}. */
    static List<Marked> markedWith(String ownerEntry) {
        List<Marked> out = new ArrayList<>();
        long self = ProcessHandle.current().pid();
        for (long pid : pids()) {
            if (pid == self) {
                continue;
            }
            Optional<byte[]> raw = rawEnviron(pid);
            if (raw.isPresent() && hasEntry(raw.get(), ownerEntry)) {
                String id = parseEnviron(raw.get()).getOrDefault(ProcessDriver.ENV_INSTANCE_ID, "");
                out.add(new Marked(pid, id));
            }
        }
        return out;
    }
}
