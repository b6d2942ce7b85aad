package io.nuri.server;

import static io.nuri.server.ApiResponses.json;
import static io.nuri.server.ApiResponses.requireApp;

import com.fasterxml.jackson.databind.JsonNode;
import com.linecorp.armeria.common.HttpResponse;
import com.linecorp.armeria.server.annotation.Blocking;
import com.linecorp.armeria.server.annotation.Default;
import com.linecorp.armeria.server.annotation.ExceptionHandler;
import com.linecorp.armeria.server.annotation.Get;
import com.linecorp.armeria.server.annotation.Param;
import io.nuri.api.codec.Json;
import io.nuri.runtime.process.LogSearch;
import io.nuri.store.Store;
import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.Optional;
import java.util.function.LongSupplier;
import java.util.function.Predicate;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/**
 * Log search (docs/apm.md, "Log search"): the app's instance logs, or the gateway's access log
 * with {@code source=access}, by text or regex and time range, newest first, bounded. The instance
 * logs are the process driver's files or, with the Kubernetes driver, the pod logs ({@link PodLogs}).
 */
@Blocking
@ExceptionHandler(ApiErrors.class)
final class LogSearchApi {
    static final int DEFAULT_LIMIT = 200;
    static final int MAX_LIMIT = 5000;
    static final long DEFAULT_MAX_BYTES = 64L << 20;
    static final long MAX_MAX_BYTES = 512L << 20;
    /** Wall-clock bound of one search: a pathological regex stops here with {@code truncated}. */
    static final Duration TIME_LIMIT = Duration.ofSeconds(10);
    private static final Pattern RELATIVE = Pattern.compile("(\\d+)(ms|s|m|h|d)");

    private final Store store;
    private final LogSource logs;
    private final java.nio.file.Path logsDir;
    private final AccessLog accessLog; // null without a gateway
    private final int accessLogFiles; // rotated access logs kept (--access-log-files)
    private final LongSupplier clock;

    LogSearchApi(Store store, LogSource logs, java.nio.file.Path logsDir, AccessLog accessLog, int accessLogFiles,
            LongSupplier clock) {
        this.store = store;
        this.logs = logs;
        this.logsDir = logsDir;
        this.accessLog = accessLog;
        this.accessLogFiles = accessLogFiles;
        this.clock = clock;
    }

    @Get("/api/v1/namespaces/{ns}/apps/{name}/logs/search")
    public HttpResponse search(@Param("ns") String ns, @Param("name") String name, @Param("q") Optional<String> q,
            @Param("regex") Optional<String> regex, @Param("since") Optional<String> since,
            @Param("until") Optional<String> until, @Param("instance") Optional<String> instance,
            @Param("revision") Optional<Integer> revision, @Param("source") @Default("app") String source,
            @Param("limit") @Default("200") int limit, @Param("maxBytes") Optional<Long> maxBytes) throws IOException {
        requireApp(store, ns, name);
        if (limit < 1 || limit > MAX_LIMIT) {
            throw new IllegalArgumentException("limit: must be between 1 and " + MAX_LIMIT + ", got " + limit);
        }
        long budget = maxBytes.orElse(DEFAULT_MAX_BYTES);
        if (budget < 1 || budget > MAX_MAX_BYTES) {
            throw new IllegalArgumentException("maxBytes: must be between 1 and " + MAX_MAX_BYTES + ", got " + budget);
        }
        boolean access = switch (source) {
            case "app" -> false;
            case "access" -> true;
            default -> throw new IllegalArgumentException("source: must be app or access, got \"" + source + "\"");
        };
        long deadline = System.nanoTime() + TIME_LIMIT.toNanos();
        Predicate<String> text = matcher(q, regex, deadline);
        long now = clock.getAsLong();
        long from = since.map(s -> time("since", s, now)).orElse(Long.MIN_VALUE);
        long to = until.map(s -> time("until", s, now)).orElse(Long.MAX_VALUE);
        if (from > to) {
            throw new IllegalArgumentException("since: after until");
        }
        List<LogSearch.Log> sources;
        Predicate<String> matcher;
        if (access && logs.accessLogMissing() != null) {
            throw new IllegalArgumentException(logs.accessLogMissing());
        }
        if (access) {
            sources = List.of(new LogSearch.Source("", 0, AccessLog.file(logsDir, ns, name), accessLogFiles));
            matcher = instance.isEmpty() && revision.isEmpty() ? text : text.and(line -> {
                JsonNode e = entry(line);
                return e != null && instance.map(i -> i.equals(e.path("instance").asText())).orElse(true)
                        && revision.map(r -> r == e.path("revision").asInt()).orElse(true);
            });
        } else {
            sources = logs.searchSources(ns, name).stream()
                    .filter(s -> instance.map(s.instance()::equals).orElse(true))
                    .filter(s -> revision.map(r -> r == s.revision()).orElse(true))
                    .toList();
            if (instance.isPresent() && sources.isEmpty()) {
                throw new NoSuchElementException("instance \"" + instance.get() + "\" of app \"" + name
                        + "\" has no log" + revision.map(r -> " at revision " + r).orElse(""));
            }
            matcher = text;
        }
        LogSearch.Result r = LogSearch.search(sources, new LogSearch.Query(stopAtDeadline(matcher), from, to,
                limit, budget, deadline));
        List<Map<String, Object>> lines = new ArrayList<>();
        for (LogSearch.Hit h : r.hits()) {
            Map<String, Object> m = new LinkedHashMap<>();
            if (access) {
                JsonNode e = entry(h.line());
                m.put("time", e != null && e.hasNonNull("time") ? e.get("time").asText() : iso(h.timeMillis()));
                m.put("instance", e != null ? e.path("instance").asText() : "");
                m.put("revision", e != null ? e.path("revision").asInt() : 0);
                m.put("line", h.line());
                m.put("entry", e);
            } else {
                m.put("time", iso(h.timeMillis()));
                m.put("instance", h.instance());
                m.put("revision", h.revision());
                m.put("line", h.line());
            }
            lines.add(m);
        }
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("namespace", ns);
        out.put("app", name);
        out.put("source", source);
        out.put("lines", lines);
        out.put("truncated", r.truncated());
        out.put("bytesScanned", r.bytesScanned());
        if (access && accessLog != null) {
            out.put("accessLogDropped", accessLog.dropped());
        }
        return json(out);
    }

    /**
     * A regex that backtracks without end on one long line would hold a thread past any byte
     * budget: the line is read through a CharSequence that stops the match at the deadline (the
     * line then counts as not matching, and the search stops as truncated).
     */
    private static Predicate<String> stopAtDeadline(Predicate<String> matcher) {
        return line -> {
            try {
                return matcher.test(line);
            } catch (DeadlineReached e) {
                return false;
            }
        };
    }

    private static final class DeadlineReached extends RuntimeException {
        DeadlineReached() {
            super(null, null, false, false);
        }
    }

    /** A line as the regex engine reads it, checking the clock every 4096 characters read. */
    private record Timed(String s, long deadline, int[] reads) implements CharSequence {
        @Override
        public int length() {
            return s.length();
        }

        @Override
        public char charAt(int index) {
            if ((++reads[0] & 4095) == 0 && System.nanoTime() - deadline > 0) {
                throw new DeadlineReached();
            }
            return s.charAt(index);
        }

        @Override
        public CharSequence subSequence(int start, int end) {
            return s.subSequence(start, end);
        }

        @Override
        public String toString() {
            return s;
        }
    }

    /** {@code q} (plain text, case-sensitive) or {@code regex} (java.util.regex, find anywhere); neither: every line. */
    static Predicate<String> matcher(Optional<String> q, Optional<String> regex, long deadline) {
        if (q.isPresent() && regex.isPresent()) {
            throw new IllegalArgumentException("q, regex: give one of them, not both");
        }
        if (regex.isPresent()) {
            try {
                Pattern p = Pattern.compile(regex.get());
                return line -> p.matcher(new Timed(line, deadline, new int[1])).find();
            } catch (PatternSyntaxException e) {
                throw new IllegalArgumentException("regex: " + e.getDescription() + " near index " + e.getIndex()
                        + " in \"" + e.getPattern() + "\"");
            }
        }
        return q.<Predicate<String>>map(text -> line -> line.contains(text)).orElse(line -> true);
    }

    /** ISO-8601 instant, epoch milliseconds, or an age before now: {@code 90s}, {@code 10m}, {@code 2h}, {@code 1d}. */
    static long time(String param, String value, long now) {
        Matcher m = RELATIVE.matcher(value);
        if (m.matches()) {
            long n = Long.parseLong(m.group(1));
            Duration d = switch (m.group(2)) {
                case "ms" -> Duration.ofMillis(n);
                case "s" -> Duration.ofSeconds(n);
                case "m" -> Duration.ofMinutes(n);
                case "h" -> Duration.ofHours(n);
                default -> Duration.ofDays(n);
            };
            return now - d.toMillis();
        }
        if (value.chars().allMatch(Character::isDigit) && !value.isEmpty()) {
            return Long.parseLong(value);
        }
        try {
            return Instant.parse(value).toEpochMilli();
        } catch (DateTimeParseException e) {
            throw new IllegalArgumentException(param + ": expected an ISO-8601 time (2026-11-25T06:00:00Z), epoch ms"
                    + " or an age like 10m, got \"" + value + "\"");
        }
    }

    private static JsonNode entry(String line) {
        try {
            return Json.MAPPER.readTree(line);
        } catch (IOException e) {
            return null;
        }
    }

    private static String iso(long millis) {
        return Instant.ofEpochMilli(millis).toString();
    }
}
