package io.nuri.cli;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.function.Function;

/**
 * A stand-in for the Nuri API server of docs/api.md: canned answers per method and path, the token
 * check of every {@code /api/} path, and a record of every request the CLI sent.
 */
final class FakeServer implements AutoCloseable {
    static final String TOKEN = "s3cr3t-admin-token";

    record Request(String method, String path, Map<String, String> query, Map<String, List<String>> headers, String body) {
        String header(String name) {
            return headers.entrySet().stream().filter(e -> e.getKey().equalsIgnoreCase(name))
                    .map(e -> e.getValue().get(0)).findFirst().orElse(null);
        }
    }

    record Response(int status, String contentType, String body) {
        static Response json(int status, String body) {
            return new Response(status, "application/json", body);
        }
    }

    /** Writes the answer itself, e.g. a server-sent event stream. */
    interface RawHandler {
        void handle(Request request, HttpExchange exchange) throws IOException;
    }

    private final HttpServer server;
    private final ExecutorService executor = Executors.newCachedThreadPool();
    private final Map<String, Function<Request, Response>> routes = new ConcurrentHashMap<>();
    private final Map<String, RawHandler> rawRoutes = new ConcurrentHashMap<>();
    final List<Request> requests = new CopyOnWriteArrayList<>();
    volatile String token = TOKEN;

    FakeServer() throws IOException {
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.createContext("/", this::handle);
        server.setExecutor(executor);
        server.start();
    }

    String url() {
        return "http://127.0.0.1:" + server.getAddress().getPort();
    }

    FakeServer on(String method, String path, int status, String json) {
        return on(method, path, r -> Response.json(status, json));
    }

    FakeServer on(String method, String path, Function<Request, Response> handler) {
        routes.put(method + " " + path, handler);
        return this;
    }

    FakeServer onRaw(String method, String path, RawHandler handler) {
        rawRoutes.put(method + " " + path, handler);
        return this;
    }

    /** The one request to {@code method path}; fails when there was none or more than one. */
    Request only(String method, String path) {
        List<Request> matching = requests.stream().filter(r -> r.method().equals(method) && r.path().equals(path)).toList();
        if (matching.size() != 1) {
            throw new AssertionError("expected one " + method + " " + path + ", got " + matching.size() + " in " + requests);
        }
        return matching.get(0);
    }

    private void handle(HttpExchange ex) throws IOException {
        try (ex) {
            String body = new String(ex.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
            Request req = new Request(ex.getRequestMethod(), ex.getRequestURI().getRawPath(),
                    query(ex.getRequestURI().getRawQuery()), Map.copyOf(ex.getRequestHeaders()), body);
            requests.add(req);
            String key = req.method() + " " + URLDecoder.decode(req.path(), StandardCharsets.UTF_8);
            if (req.path().startsWith("/api/") && token != null && !("Bearer " + token).equals(req.header("Authorization"))) {
                send(ex, Response.json(401, "{\"error\":\"unauthorized\",\"message\":\"missing or invalid bearer token\"}"));
                return;
            }
            RawHandler raw = rawRoutes.get(key);
            if (raw != null) {
                raw.handle(req, ex);
                return;
            }
            Function<Request, Response> h = routes.get(key);
            send(ex, h != null ? h.apply(req)
                    : Response.json(404, "{\"error\":\"not_found\",\"message\":\"no " + key + "\"}"));
        }
    }

    private static void send(HttpExchange ex, Response r) throws IOException {
        byte[] bytes = r.body().getBytes(StandardCharsets.UTF_8);
        ex.getResponseHeaders().set("Content-Type", r.contentType());
        ex.sendResponseHeaders(r.status(), bytes.length == 0 ? -1 : bytes.length);
        try (OutputStream out = ex.getResponseBody()) {
            out.write(bytes);
        }
    }

    private static Map<String, String> query(String raw) {
        Map<String, String> q = new LinkedHashMap<>();
        if (raw == null || raw.isEmpty()) {
            return q;
        }
        for (String pair : raw.split("&")) {
            int eq = pair.indexOf('=');
            String k = URLDecoder.decode(eq < 0 ? pair : pair.substring(0, eq), StandardCharsets.UTF_8);
            String v = eq < 0 ? "" : URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8);
            q.put(k, v);
        }
        return q;
    }

    @Override
    public void close() {
        server.stop(0);
        executor.shutdownNow();
    }
}
