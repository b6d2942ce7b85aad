package io.nuri.cli;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.Iterator;
import java.util.stream.Stream;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code nuri logs APP}: the last lines of an app's instances. With {@code -f} the server answers
 * with server-sent events ({@code event: log} / {@code data: {"instance": ID, "line": TEXT}}), read
 * line by line as they arrive until the stream ends or the user presses Ctrl-C.
 */
@Command(name = "logs", description = "Print the logs of an app's instances; -f follows them.")
final class LogsCommand extends CliCommand {
    @Parameters(index = "0", paramLabel = "APP", description = "The app.")
    String app;

    @Option(names = "--instance", paramLabel = "ID", description = "Only this instance (lines are then printed without the [ID] prefix).")
    String instance;

    @Option(names = "--tail", paramLabel = "N", description = "Lines from the end of each log to start with (server default: 100).")
    Integer tail;

    @Option(names = {"-f", "--follow"}, description = "Keep printing new lines as they are written.")
    boolean follow;

    @Option(names = "--grep", paramLabel = "TEXT", description = "Search: lines containing TEXT (case-sensitive).")
    String grep;

    @Option(names = "--regex", paramLabel = "RE", description = "Search: lines matching the Java regex RE anywhere.")
    String regex;

    @Option(names = "--since", paramLabel = "TIME", description = "Search: lines written at or after TIME (10m, 2h, 1d, an ISO-8601 time or epoch ms).")
    String since;

    @Option(names = "--until", paramLabel = "TIME", description = "Search: lines written at or before TIME (same forms as --since).")
    String until;

    @Option(names = "--revision", paramLabel = "N", description = "Search: only instances of revision N.")
    Integer revision;

    @Option(names = "--access", description = "The gateway's access log of the app (JSON lines) instead of its instances' logs:"
            + " its tail, -f to follow it, or a search.")
    boolean access;

    @Option(names = "--limit", paramLabel = "N", description = "Search: at most N lines (server default 200, max 5000).")
    Integer limit;

    @Option(names = {"-o", "--output"}, paramLabel = "FORMAT", converter = CliCommand.FormatConverter.class,
            description = "Search: json or yaml prints the API's answer.")
    Output.Format format = Output.Format.TABLE;

    @Override
    public Integer call() {
        if (tail != null && tail < 0) {
            throw usage("--tail must be 0 or more, got " + tail);
        }
        if (grep != null && regex != null) {
            throw usage("--grep and --regex: give one of them");
        }
        boolean search = since != null || until != null || revision != null || limit != null
                || format != Output.Format.TABLE || (!follow && (grep != null || regex != null))
                || (access && instance != null);
        if (follow && search) {
            throw usage("-f follows new lines (filtered by --grep/--regex); --since, --until, --revision, --limit, -o"
                    + " and --instance with --access are for a search, without -f");
        }
        if (follow && regex != null) {
            try {
                followFilter = java.util.regex.Pattern.compile(regex).asPredicate();
            } catch (java.util.regex.PatternSyntaxException e) {
                throw usage("--regex: " + e.getDescription() + " near index " + e.getIndex());
            }
        } else if (follow && grep != null) {
            followFilter = l -> l.contains(grep);
        }
        Api api = api();
        if (search) {
            return search(api);
        }
        String path = access ? Api.appPath(ns(), app, "logs", "access") : Api.appPath(ns(), app, "logs");
        String notFound = Api.notFound(ns(), app);
        String tailText = tail == null ? null : tail.toString();
        if (!follow) {
            HttpResponse<String> r = api.send(api.request(path, Api.query("instance", instance, "tail", tailText))
                    .timeout(Api.REQUEST_TIMEOUT).setHeader("Accept", "text/plain").GET().build());
            api.check(r.statusCode(), r.body(), notFound);
            cli.out.print(r.body());
            if (!r.body().isEmpty() && !r.body().endsWith("\n")) {
                cli.out.println();
            }
            cli.out.flush();
            return 0;
        }
        HttpRequest req = api.request(path, Api.query("instance", instance, "tail", tailText, "follow", "true"))
                .setHeader("Accept", "text/event-stream").GET().build();
        try (Stream<String> lines = api.lines(req, notFound)) {
            follow(lines.iterator());
        } catch (UncheckedIOException e) {
            if (Thread.currentThread().isInterrupted()) {
                return 0;
            }
            throw new CliException(CliException.UNREACHABLE, "the log stream from " + api.target().url() + " broke: "
                    + e.getCause().getMessage());
        }
        return 0;
    }

    private java.util.function.Predicate<String> followFilter = l -> true;

    /** {@code GET .../logs/search}: printed oldest first, like a log, or as the API's JSON with -o. */
    private Integer search(Api api) {
        JsonNode r = api.get(Api.appPath(ns(), app, "logs", "search"), Api.query("q", grep, "regex", regex, "since", since,
                "until", until, "instance", instance, "revision", revision == null ? null : revision.toString(),
                "source", access ? "access" : null, "limit", limit == null ? null : limit.toString()),
                Api.notFound(ns(), app));
        if (Output.printStructured(cli.out, format, r)) {
            return 0;
        }
        JsonNode lines = r.path("lines");
        for (int i = lines.size() - 1; i >= 0; i--) {
            JsonNode l = lines.get(i);
            if (access) {
                cli.out.println(Output.text(l, "line"));
            } else {
                cli.out.println(Output.text(l, "time") + (instance != null ? " " : " [" + Output.text(l, "instance") + "] ")
                        + Output.text(l, "line"));
            }
        }
        cli.out.flush();
        if (r.path("truncated").asBoolean()) {
            cli.err.println("(" + lines.size() + " lines shown, newest; there may be more: narrow --since/--until or"
                    + " raise --limit)");
        }
        return 0;
    }

    /** A minimal SSE reader (WHATWG "event stream" parsing): data lines accumulate, a blank line dispatches. */
    private void follow(Iterator<String> lines) {
        String event = "";
        StringBuilder data = new StringBuilder();
        boolean hasData = false;
        while (lines.hasNext()) {
            String line = lines.next();
            if (line.isEmpty()) {
                if (hasData) {
                    dispatch(event, data.toString());
                }
                event = "";
                data.setLength(0);
                hasData = false;
                continue;
            }
            if (line.startsWith(":")) {
                continue; // comment / keep-alive
            }
            int colon = line.indexOf(':');
            String field = colon < 0 ? line : line.substring(0, colon);
            String value = colon < 0 ? "" : line.substring(colon + 1);
            if (value.startsWith(" ")) {
                value = value.substring(1);
            }
            switch (field) {
                case "event" -> event = value;
                case "data" -> {
                    if (hasData) {
                        data.append('\n');
                    }
                    data.append(value);
                    hasData = true;
                }
                default -> { } // id, retry: not needed for printing
            }
        }
        if (hasData) {
            dispatch(event, data.toString()); // a stream cut after the last data line still shows it
        }
    }

    private void dispatch(String event, String data) {
        if (!event.isEmpty() && !event.equals("log")) {
            return;
        }
        JsonNode d;
        try {
            d = Output.parse(data);
        } catch (IOException e) {
            cli.out.println(data); // not JSON: show it as it came
            cli.out.flush();
            return;
        }
        String line = Output.text(d, "line");
        if (!followFilter.test(line)) {
            return;
        }
        cli.out.println(instance != null || access ? line : "[" + Output.text(d, "instance") + "] " + line);
        cli.out.flush();
    }
}
