package io.nuri.api.codec;

import static io.nuri.api.codec.SpecDecoder.MAX_HOST_LENGTH;

import io.nuri.api.spec.Route;
import io.nuri.api.spec.Traffic;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Pattern;

/** Reads {@code spec.routes}: host and path prefix pairs, each at most once. */
final class RoutesReader {
    static final List<String> FIELDS = List.of("host", "path", "stripPrefix", "timeoutSeconds");

    /** RFC 3986 path characters: unreserved, sub-delims, ':', '@', '/' and %XX escapes. */
    private static final Pattern URL_PATH = Pattern.compile("([-A-Za-z0-9._~!$&'()*+,;=:@/]|%[0-9A-Fa-f]{2})*");

    private RoutesReader() {}

    static List<Route> read(List<NodeReader> elements) {
        List<Route> out = new ArrayList<>();
        Map<String, String> seen = new LinkedHashMap<>();
        for (NodeReader r : elements) {
            String host = host(r);
            String path = path(r);
            boolean stripPrefix = r.bool("stripPrefix", false);
            Double timeout = r.has("timeoutSeconds")
                    ? r.number("timeoutSeconds", Traffic.DEFAULTS.timeoutSeconds(), Fields.timeoutCheck())
                    : null;
            if (host == null || path == null) {
                continue;
            }
            String where = Fields.place(r);
            String other = seen.putIfAbsent(host + " " + path, where);
            if (other != null) {
                r.error("duplicate route: host " + Json.write(host) + " and path " + Json.write(path)
                        + " are also at " + other);
                continue;
            }
            out.add(new Route(host, path, stripPrefix, timeout));
        }
        return out;
    }

    /** A route's host: a lowercase DNS name, or "*" (the default) for any host; null when bad. */
    private static String host(NodeReader r) {
        if (!r.has("host")) {
            return Route.ANY_HOST;
        }
        String host = r.string("host");
        if (host == null) {
            return null;
        }
        String problem = hostProblem(host);
        if (problem != null) {
            r.error("host", problem + ", got " + NodeReader.describe(r.raw("host")));
            return null;
        }
        return host;
    }

    private static String hostProblem(String host) {
        if (host.equals(Route.ANY_HOST)) {
            return null;
        }
        if (host.contains("://")) {
            return "must be a host name without a scheme";
        }
        if (host.startsWith("*.") || host.equals("*.")) {
            return "wildcard hosts are not supported: use a full host name, or \"*\" for any host";
        }
        if (host.contains("/")) {
            return "must be a host name without a path (the path goes in path)";
        }
        if (host.contains(":")) {
            return "must be a host name without a port";
        }
        if (!host.equals(host.toLowerCase(Locale.ROOT))) {
            return "must be lowercase";
        }
        if (host.length() > MAX_HOST_LENGTH) {
            return "must be at most " + MAX_HOST_LENGTH + " characters";
        }
        if (!Fields.DNS_SUBDOMAIN.matcher(host).matches()
                || Arrays.stream(host.split("\\.")).anyMatch(l -> l.length() > 63)) {
            return "must be a DNS name (labels of lowercase letters, digits and '-', separated by '.', "
                    + "each at most 63 characters, starting and ending with a letter or digit) or \"*\" for any host";
        }
        return null;
    }

    /** A route's path prefix, "/" by default, without a trailing '/'; null when bad. */
    private static String path(NodeReader r) {
        if (!r.has("path")) {
            return "/";
        }
        String path = r.string("path");
        if (path == null) {
            return null;
        }
        String problem = !path.startsWith("/") ? "must start with '/'"
                : path.contains("?") ? "must not contain a query ('?')"
                : path.contains("#") ? "must not contain a fragment ('#')"
                : path.contains("//") ? "must not contain empty segments ('//')"
                : Arrays.stream(path.split("/")).anyMatch(seg -> seg.equals(".") || seg.equals(".."))
                        ? "must not contain '.' or '..' segments"
                : !URL_PATH.matcher(path).matches()
                        ? "may only contain letters, digits, '/', the characters -._~!$&'()*+,;=:@ and %XX escapes"
                : null;
        if (problem != null) {
            r.error("path", problem + ", got " + Json.write(path));
            return null;
        }
        return path.length() > 1 && path.endsWith("/") ? path.substring(0, path.length() - 1) : path;
    }
}
