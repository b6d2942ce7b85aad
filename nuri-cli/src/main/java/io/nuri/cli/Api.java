package io.nuri.cli;

import io.nuri.api.client.ServerLocation;
import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.net.ConnectException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.stream.Stream;

/**
 * The REST API of docs/api.md over {@link HttpClient} (HTTP/1.1, 2 s connect timeout). Maps the
 * answers the CLI cannot go on with to {@link CliException}s with the exit codes of docs/cli.md.
 */
final class Api {
    static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(2);
    static final Duration REQUEST_TIMEOUT = Duration.ofSeconds(60);

    private final ServerLocation target;
    private final HttpClient http;

    Api(ServerLocation target) {
        this.target = target;
        HttpClient.Builder b = HttpClient.newBuilder()
                .version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(CONNECT_TIMEOUT);
        if (!target.url().regionMatches(true, 0, "https:", 0, 6)) {
            b.sslContext(PlainHttp.noTls());
        }
        this.http = b.build();
    }

    ServerLocation target() {
        return target;
    }

    /**
     * Stops the client's selector thread. Without this, {@code System.exit} found that thread
     * blocked in epoll (a thread "in native") and HotSpot's VM exit waited ~300 ms for it to block
     * (VM_Exit::wait_for_threads_in_native_to_block): a third of a cold {@code nuri get apps}.
     */
    void close() {
        http.shutdownNow();
        try {
            http.awaitTermination(Duration.ofMillis(200));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Query parameters in order; null values are left out. */
    static Map<String, String> query(String... keyValues) {
        Map<String, String> q = new LinkedHashMap<>();
        for (int i = 0; i < keyValues.length; i += 2) {
            if (keyValues[i + 1] != null) {
                q.put(keyValues[i], keyValues[i + 1]);
            }
        }
        return q;
    }

    /** "/api/v1/namespaces/{ns}/apps/{name}" plus more segments, each one encoded. */
    static String appPath(String namespace, String app, String... more) {
        StringBuilder sb = new StringBuilder("/api/v1/namespaces/").append(segment(namespace))
                .append("/apps/").append(segment(app));
        for (String m : more) {
            sb.append('/').append(m);
        }
        return sb.toString();
    }

    static String segment(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8).replace("+", "%20");
    }

    HttpRequest.Builder request(String path, Map<String, String> query) {
        StringBuilder uri = new StringBuilder(target.url()).append(path);
        char sep = '?';
        for (Map.Entry<String, String> e : query.entrySet()) {
            uri.append(sep).append(URLEncoder.encode(e.getKey(), StandardCharsets.UTF_8)).append('=')
                    .append(URLEncoder.encode(e.getValue(), StandardCharsets.UTF_8));
            sep = '&';
        }
        URI u;
        try {
            u = URI.create(uri.toString());
        } catch (IllegalArgumentException e) {
            throw new CliException(CliException.UNREACHABLE, "the server URL \"" + target.url() + "\" is not a valid URL");
        }
        if (u.getScheme() == null || !(u.getScheme().equals("http") || u.getScheme().equals("https"))) {
            throw new CliException(CliException.UNREACHABLE, "the server URL \"" + target.url() + "\" must start with http:// or https://");
        }
        HttpRequest.Builder b = HttpRequest.newBuilder(u).header("Accept", "application/json");
        if (target.token() != null) {
            b.header("Authorization", "Bearer " + target.token());
        }
        return b;
    }

    HttpResponse<String> send(HttpRequest request) {
        return send(request, HttpResponse.BodyHandlers.ofString());
    }

    <T> HttpResponse<T> send(HttpRequest request, HttpResponse.BodyHandler<T> handler) {
        try {
            return http.send(request, handler);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new Interrupted();
        } catch (HttpConnectTimeoutException e) {
            throw unreachable("connect timed out after " + CONNECT_TIMEOUT.toSeconds() + " s");
        } catch (HttpTimeoutException e) {
            throw new CliException(CliException.UNREACHABLE, "the Nuri server at " + target.url()
                    + " did not answer within " + REQUEST_TIMEOUT.toSeconds() + " s");
        } catch (ConnectException e) {
            String m = e.getMessage();
            throw unreachable(m == null || m.isBlank() || m.toLowerCase().contains("refused") ? "connection refused" : m);
        } catch (IOException e) {
            String m = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
            throw unreachable(m);
        }
    }

    private CliException unreachable(String why) {
        return new CliException(CliException.UNREACHABLE, "cannot reach the Nuri server at " + target.url() + " (" + why
                + "); is it running? start it with ./nuri server");
    }

    /** GET returning the parsed JSON; {@code notFound} names the object for a 404 message. */
    JsonNode get(String path, Map<String, String> query, String notFound) {
        HttpResponse<String> r = send(request(path, query).timeout(REQUEST_TIMEOUT).GET().build());
        check(r.statusCode(), r.body(), notFound);
        return parse(r.body());
    }

    JsonNode send(String method, String path, Map<String, String> query, String contentType, String body, String notFound) {
        HttpRequest.Builder b = request(path, query).timeout(REQUEST_TIMEOUT);
        if (contentType != null) {
            b.header("Content-Type", contentType);
        }
        b.method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
        HttpResponse<String> r = send(b.build());
        check(r.statusCode(), r.body(), notFound);
        return parse(r.body());
    }

    JsonNode parse(String body) {
        if (body == null || body.isBlank()) {
            return com.fasterxml.jackson.databind.node.MissingNode.getInstance();
        }
        try {
            return Output.parse(body);
        } catch (IOException e) {
            throw new CliException(CliException.REFUSED, "the server at " + target.url() + " sent an answer that is not JSON: "
                    + abbreviate(body));
        }
    }

    /** Throws for anything but 2xx. A 404 of an app is worded by the CLI, other errors by the server. */
    void check(int status, String body, String notFound) {
        if (status >= 200 && status < 300) {
            return;
        }
        if (status == 401) {
            throw new CliException(CliException.UNAUTHORIZED, "the server refused the token (401); check NURI_TOKEN or "
                    + target.dataDir().resolve("admin.token"));
        }
        if (status == 404 && notFound != null) {
            throw new CliException(CliException.REFUSED, notFound);
        }
        throw new CliException(CliException.REFUSED, errorMessage(status, body));
    }

    /** The server's {@code message} (with {@code details} when there are some), else the status and body. */
    String errorMessage(int status, String body) {
        JsonNode err = null;
        try {
            err = body == null || body.isBlank() ? null : Output.parse(body);
        } catch (IOException ignored) {
            // not JSON: shown as text below
        }
        if (err != null && err.hasNonNull("message")) {
            StringBuilder sb = new StringBuilder(err.get("message").asText());
            for (JsonNode d : err.path("details")) {
                sb.append("; ").append(detail(d));
            }
            return sb.toString();
        }
        return "the server answered " + status + (body == null || body.isBlank() ? "" : ": " + abbreviate(body));
    }

    /** One {@code {"file","path","message"}} item as {@code file: path: message}. */
    static String detail(JsonNode d) {
        if (!d.isObject()) {
            return d.asText();
        }
        StringBuilder sb = new StringBuilder();
        for (String f : new String[] {"file", "path"}) {
            String v = Output.text(d, f);
            if (!v.isEmpty()) {
                sb.append(v).append(": ");
            }
        }
        return sb.append(Output.text(d, "message")).toString();
    }

    static String abbreviate(String s) {
        s = s.strip().replace('\n', ' ');
        return s.length() > 200 ? s.substring(0, 200) + "..." : s;
    }

    static String notFound(String namespace, String app) {
        return "app \"" + app + "\" not found in namespace \"" + namespace + "\"";
    }

    /** Lines of a streamed answer (logs -f); the caller closes the stream. */
    Stream<String> lines(HttpRequest request, String notFound) {
        HttpResponse<Stream<String>> r = send(request, HttpResponse.BodyHandlers.ofLines());
        if (r.statusCode() / 100 != 2) {
            String body;
            try (Stream<String> s = r.body()) {
                body = String.join("\n", s.toList());
            }
            check(r.statusCode(), body, notFound);
        }
        return r.body();
    }

    /** Thrown when the user interrupts a wait; ends the command with exit code 0 or 130. */
    static final class Interrupted extends RuntimeException {
        Interrupted() {
            super(null, null, false, false);
        }
    }
}
