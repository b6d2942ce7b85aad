package io.nuri.cli;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code nuri events}: what the platform did and why, oldest first. {@code --watch} then polls
 * {@code GET /api/v1/events?after=<last id>} every second and prints new rows as they come.
 */
@Command(name = "events", aliases = {"event"}, description = "Show what the platform did and why (LAST SEEN, TYPE, REASON, OBJECT, MESSAGE).")
final class EventsCommand extends CliCommand {
    @Parameters(index = "0", arity = "0..1", paramLabel = "APP", description = "Only this app's events.")
    String app;

    @Option(names = "--limit", paramLabel = "N", description = "Show the last N events (default: ${DEFAULT-VALUE}).", defaultValue = "100")
    int limit;

    @Option(names = {"-w", "--watch"}, description = "After the list, print new events as they happen (Ctrl-C ends).")
    boolean watch;

    @Option(names = {"-A", "--all-namespaces"}, description = "Events of every namespace (adds a NAMESPACE column).")
    boolean all;

    @Option(names = {"-o", "--output"}, paramLabel = "FORMAT", converter = CliCommand.FormatConverter.class,
            description = "json or yaml: the API's events as they are (not with --watch).")
    Output.Format format = Output.Format.TABLE;

    /** Page size when reading the whole log; the API's default limit. */
    static final int PAGE = 100;
    /** Safety cap: describe and events read at most this many pages. */
    static final int MAX_PAGES = 100;

    /**
     * The newest {@code n} events, oldest first. docs/api.md does not say whether {@code limit}
     * without {@code after} returns the oldest or the newest page, so this pages forward with
     * {@code after} while pages come back full and keeps the last {@code n}: one request when there
     * are few events, right under either reading of the API.
     */
    static List<JsonNode> latest(Api api, String namespace, String app, int n) {
        ArrayDeque<JsonNode> keep = new ArrayDeque<>();
        int page = Math.max(n, PAGE);
        Long after = null;
        for (int i = 0; i < MAX_PAGES; i++) {
            JsonNode batch = api.get("/api/v1/events", Api.query("namespace", namespace, "app", app,
                    "after", after == null ? null : after.toString(), "limit", Integer.toString(page)), null);
            for (JsonNode e : batch) {
                keep.addLast(e);
                if (keep.size() > n) {
                    keep.removeFirst();
                }
                long id = e.path("id").asLong();
                after = after == null ? id : Math.max(after, id);
            }
            if (batch.size() < page || after == null) {
                break;
            }
        }
        return new ArrayList<>(keep);
    }

    static String object(JsonNode e) {
        String instance = Output.text(e, "instance");
        return instance.isEmpty() ? "app/" + Output.text(e, "app") : "instance/" + instance;
    }

    @Override
    public Integer call() {
        if (limit < 1) {
            throw usage("--limit must be at least 1, got " + limit);
        }
        if (watch && format.structured()) {
            throw usage("--watch prints a table; leave out -o " + format.name().toLowerCase());
        }
        String namespace = all ? null : ns();
        List<JsonNode> events = latest(api(), namespace, app, limit);
        if (format.structured()) {
            Output.printStructured(cli.out, format, Output.array(events));
            return 0;
        }
        Table t = header();
        long last = 0;
        Instant now = cli.clock.instant();
        for (JsonNode e : events) {
            t.row(row(e, now));
            last = Math.max(last, e.path("id").asLong());
        }
        if (events.isEmpty() && !watch) {
            cli.err.println(all ? "No events found." : "No events found in " + ns() + " namespace.");
            return 0;
        }
        t.print(cli.out);
        int[] widths = t.widths();
        while (watch) {
            cli.sleepPoll();
            JsonNode batch;
            do {
                batch = api().get("/api/v1/events", Api.query("namespace", namespace, "app", app,
                        "after", Long.toString(last), "limit", Integer.toString(PAGE)), null);
                Table more = header();
                now = cli.clock.instant();
                for (JsonNode e : batch) {
                    more.row(row(e, now));
                    last = Math.max(last, e.path("id").asLong());
                }
                widths = more.printRows(cli.out, widths);
            } while (batch.size() >= PAGE);
        }
        return 0;
    }

    private Table header() {
        return all ? new Table("NAMESPACE", "LAST SEEN", "TYPE", "REASON", "OBJECT", "MESSAGE")
                : new Table("LAST SEEN", "TYPE", "REASON", "OBJECT", "MESSAGE");
    }

    private String[] row(JsonNode e, Instant now) {
        String[] base = {Ages.since(e, "time", now), Output.text(e, "type"), Output.text(e, "reason"), object(e),
            Output.text(e, "message")};
        if (!all) {
            return base;
        }
        String[] r = new String[base.length + 1];
        r[0] = Output.text(e, "namespace");
        System.arraycopy(base, 0, r, 1, base.length);
        return r;
    }
}
