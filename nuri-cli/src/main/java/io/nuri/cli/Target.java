package io.nuri.cli;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/**
 * Where the server is and which token to show it. Each of the two is found on its own, first hit
 * wins: the {@code --server} / {@code --token} flags, then {@code NURI_SERVER} / {@code NURI_TOKEN},
 * then the data dir's {@code server.json} (field {@code url}) / {@code admin.token}. The data dir is
 * {@code --data-dir}, else {@code NURI_HOME}, else {@code ~/.nuri}.
 *
 * @param token null when none was found; the server then answers 401
 */
record Target(String url, String token, Path dataDir) {

    static Path dataDir(String flag, Map<String, String> env) {
        if (notBlank(flag)) {
            return Path.of(flag).toAbsolutePath().normalize();
        }
        String home = env.get("NURI_HOME");
        if (notBlank(home)) {
            return Path.of(home).toAbsolutePath().normalize();
        }
        String userHome = env.getOrDefault("HOME", System.getProperty("user.home"));
        return Path.of(userHome, ".nuri");
    }

    static Target resolve(String serverFlag, String tokenFlag, String dataDirFlag, Map<String, String> env) {
        Path dir = dataDir(dataDirFlag, env);
        String url = first(serverFlag, env.get("NURI_SERVER"));
        if (url == null) {
            url = urlFromServerJson(dir);
        }
        String token = first(tokenFlag, env.get("NURI_TOKEN"));
        if (token == null) {
            token = tokenFromFile(dir);
        }
        return new Target(stripSlash(url.trim()), token, dir);
    }

    private static String urlFromServerJson(Path dir) {
        Path file = dir.resolve("server.json");
        if (!Files.isRegularFile(file)) {
            throw new CliException(CliException.UNREACHABLE, "no running server found in " + dir
                    + " (no server.json); start one with ./nuri server or set NURI_SERVER");
        }
        try {
            JsonNode url = Output.parse(Files.readString(file)).path("url");
            if (!url.isTextual() || url.asText().isBlank()) {
                throw new CliException(CliException.UNREACHABLE, file + " has no \"url\"; restart the server with ./nuri server or set NURI_SERVER");
            }
            return url.asText();
        } catch (IOException e) {
            throw new CliException(CliException.UNREACHABLE, "cannot read " + file + ": " + e.getMessage());
        }
    }

    private static String tokenFromFile(Path dir) {
        Path file = dir.resolve("admin.token");
        if (!Files.exists(file)) {
            return null;
        }
        try {
            String token = Files.readString(file).trim();
            return token.isEmpty() ? null : token;
        } catch (IOException e) {
            throw new CliException(CliException.UNAUTHORIZED, "cannot read the token file " + file + " (" + e.getClass().getSimpleName()
                    + "); set NURI_TOKEN or run as the user who started the server");
        }
    }

    private static String first(String a, String b) {
        return notBlank(a) ? a : notBlank(b) ? b : null;
    }

    private static boolean notBlank(String s) {
        return s != null && !s.isBlank();
    }

    private static String stripSlash(String url) {
        return url.endsWith("/") ? url.substring(0, url.length() - 1) : url;
    }

    /** Never shows the token, so a record printed by accident leaks nothing. */
    @Override
    public String toString() {
        return "Target[url=" + url + ", token=" + (token == null ? "none" : "***") + ", dataDir=" + dataDir + "]";
    }
}
