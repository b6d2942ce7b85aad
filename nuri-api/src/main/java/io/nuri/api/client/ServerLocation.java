package io.nuri.api.client;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/**
 * Where a client finds the Nuri API and which token it shows, shared by the CLI and the
 * standalone gateway. Each of the two is found on its own, first hit wins: the flags, then
 * {@code NURI_SERVER} / {@code NURI_TOKEN}, then the data dir's {@code server.json} (field
 * {@code url}) / {@code admin.token}. The data dir is the flag, else {@code NURI_HOME}, else
 * {@code ~/.nuri}. Reads server.json with jackson-core's streaming parser only: the CLI's start
 * time is paid for every command an operator types.
 *
 * @param token null when none was found; the server then answers 401
 */
public record ServerLocation(String url, String token, Path dataDir) {
    public static final String SERVER_FILE = "server.json";
    public static final String TOKEN_FILE = "admin.token";
    private static final JsonFactory JSON = new JsonFactory();

    /** Why no location could be found; {@link #kind} tells the caller which exit to take. */
    public static final class LocateException extends RuntimeException {
        public enum Kind { NO_SERVER, TOKEN_UNREADABLE }

        private final Kind kind;

        LocateException(Kind kind, String message) {
            super(message);
            this.kind = kind;
        }

        public Kind kind() {
            return kind;
        }
    }

    public static Path dataDir(String flag, Map<String, String> env) {
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

    /** @throws LocateException when no server is named and the data dir has no usable server.json */
    public static ServerLocation resolve(String serverFlag, String tokenFlag, String dataDirFlag, Map<String, String> env) {
        Path dir = dataDir(dataDirFlag, env);
        String url = first(serverFlag, env.get("NURI_SERVER"));
        if (url == null) {
            url = urlFromServerJson(dir);
        }
        String token = first(tokenFlag, env.get("NURI_TOKEN"));
        if (token == null) {
            token = tokenFromFile(dir);
        }
        return new ServerLocation(stripSlash(url.trim()), token, dir);
    }

    private static String urlFromServerJson(Path dir) {
        Path file = dir.resolve(SERVER_FILE);
        if (!Files.isRegularFile(file)) {
            throw new LocateException(LocateException.Kind.NO_SERVER, "no running server found in " + dir
                    + " (no server.json); start one with ./nuri server or set NURI_SERVER");
        }
        String url;
        try {
            url = topLevelString(Files.readString(file), "url");
        } catch (IOException e) {
            throw new LocateException(LocateException.Kind.NO_SERVER, "cannot read " + file + ": " + e.getMessage());
        }
        if (url == null || url.isBlank()) {
            throw new LocateException(LocateException.Kind.NO_SERVER,
                    file + " has no \"url\"; restart the server with ./nuri server or set NURI_SERVER");
        }
        return url;
    }

    /** The string value of a top-level field of a JSON object, or null. */
    static String topLevelString(String json, String field) throws IOException {
        try (JsonParser p = JSON.createParser(json)) {
            if (p.nextToken() != JsonToken.START_OBJECT) {
                return null;
            }
            for (JsonToken t = p.nextToken(); t == JsonToken.FIELD_NAME; t = p.nextToken()) {
                String name = p.currentName();
                JsonToken value = p.nextToken();
                if (name.equals(field)) {
                    return value == JsonToken.VALUE_STRING ? p.getText() : null;
                }
                p.skipChildren();
            }
            return null;
        }
    }

    private static String tokenFromFile(Path dir) {
        Path file = dir.resolve(TOKEN_FILE);
        if (!Files.exists(file)) {
            return null;
        }
        try {
            String token = Files.readString(file).trim();
            return token.isEmpty() ? null : token;
        } catch (IOException e) {
            throw new LocateException(LocateException.Kind.TOKEN_UNREADABLE, "cannot read the token file " + file + " ("
                    + e.getClass().getSimpleName() + "); set NURI_TOKEN or run as the user who started the server");
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
        return "ServerLocation[url=" + url + ", token=" + (token == null ? "none" : "***") + ", dataDir=" + dataDir + "]";
    }
}
