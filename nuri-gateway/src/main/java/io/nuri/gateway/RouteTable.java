package io.nuri.gateway;

import com.linecorp.armeria.client.RequestOptions;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Routes of one snapshot, indexed for the hot path: a hash lookup by host, then a scan of that
 * host's prefixes longest first (the "*" routes are merged into every host's list at build time,
 * so one scan answers both). An app has a handful of routes per host, so a scan of a few
 * {@code startsWith} beats a trie walk that would cut the path into segment strings; nothing on
 * the match path allocates.
 *
 * <p>Precedence: the longest matching prefix wins; on equal prefixes an exact host beats "*".
 */
final class RouteTable {
    static final RouteTable EMPTY = new RouteTable(-1, List.of());

    /** One route of one app, ready to serve. */
    static final class Entry {
        final String host; // lowercase, or null for any
        final String prefix; // "/" or "/a/b" (no trailing slash)
        final boolean stripPrefix;
        final AppState app;
        final long timeoutMillis; // 0 = none
        final RequestOptions options;

        Entry(String host, String prefix, boolean stripPrefix, AppState app, long timeoutMillis) {
            this.host = host;
            this.prefix = prefix;
            this.stripPrefix = stripPrefix && !"/".equals(prefix);
            this.app = app;
            this.timeoutMillis = timeoutMillis;
            this.options = RequestOptions.builder().responseTimeoutMillis(timeoutMillis).build();
        }

        boolean matches(String path) {
            final String p = prefix;
            if (p.length() == 1) {
                return true; // "/"
            }
            return path.startsWith(p) && (path.length() == p.length() || path.charAt(p.length()) == '/');
        }

        /** "/api/x" -> "/x", "/api" -> "/" for prefix "/api". */
        String strip(String path) {
            return path.length() == prefix.length() ? "/" : path.substring(prefix.length());
        }
    }

    final long version;
    private final Map<String, Entry[]> byHost;
    private final Entry[] anyHost;

    RouteTable(long version, List<Entry> entries) {
        this.version = version;
        final Comparator<Entry> order = Comparator.<Entry>comparingInt(e -> -e.prefix.length())
                .thenComparing(e -> e.host == null); // exact host first on equal prefix
        final List<Entry> any = new ArrayList<>();
        final Map<String, List<Entry>> hosts = new HashMap<>();
        for (Entry e : entries) {
            if (e.host == null) {
                any.add(e);
            } else {
                hosts.computeIfAbsent(e.host, h -> new ArrayList<>()).add(e);
            }
        }
        any.sort(order);
        anyHost = any.toArray(new Entry[0]);
        byHost = new HashMap<>(hosts.size() * 2);
        hosts.forEach((h, list) -> {
            list.addAll(any);
            list.sort(order);
            byHost.put(h, list.toArray(new Entry[0]));
        });
    }

    /** The route for {@code host} (lowercase, no port; may be null) and {@code path}, or null. */
    Entry match(String host, String path) {
        Entry[] candidates = host == null ? null : byHost.get(host);
        if (candidates == null) {
            candidates = anyHost;
        }
        for (Entry e : candidates) {
            if (e.matches(path)) {
                return e;
            }
        }
        return null;
    }

    /** Host header value without port, lowercased; null stays null. Allocates only when needed. */
    static String hostOf(String authority) {
        if (authority == null || authority.isEmpty()) {
            return null;
        }
        int end = authority.length();
        if (authority.charAt(0) == '[') { // [::1]:8080
            final int close = authority.indexOf(']');
            end = close < 0 ? end : close + 1;
        } else {
            final int colon = authority.lastIndexOf(':');
            if (colon >= 0) {
                end = colon;
            }
        }
        final String h = end == authority.length() ? authority : authority.substring(0, end);
        return h.toLowerCase(Locale.ROOT); // returns h itself when already lowercase
    }

    static String normalizePrefix(String path) {
        if (path == null || path.isEmpty() || "/".equals(path)) {
            return "/";
        }
        String p = path.charAt(0) == '/' ? path : "/" + path;
        while (p.length() > 1 && p.endsWith("/")) {
            p = p.substring(0, p.length() - 1);
        }
        return p;
    }

    @Override
    public String toString() {
        return "RouteTable{version=" + version + ", hosts=" + byHost.keySet() + ", any=" + Arrays.toString(
                Arrays.stream(anyHost).map(e -> e.prefix).toArray()) + '}';
    }
}
