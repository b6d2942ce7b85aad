package io.nuri.cli;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.PrintStream;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

@Command(name = "describe", description = "Show one object in detail, with its instances and events.",
        subcommands = {DescribeCommand.App.class})
final class DescribeCommand extends CliCommand.Group {
    /** Env vars whose name contains one of these show {@link #MASK} instead of their value. */
    static final List<String> SECRET_WORDS = List.of("TOKEN", "SECRET", "PASSWORD", "KEY");
    static final String MASK = "********";
    static final int EVENTS = 20;

    static boolean secret(String envName) {
        String upper = envName.toUpperCase(Locale.ROOT);
        for (String w : SECRET_WORDS) {
            if (upper.contains(w)) {
                return true;
            }
        }
        return false;
    }

    @Command(name = "app", aliases = {"apps"}, description = "An app: spec, replicas, instances and its last 20 events.")
    static final class App extends CliCommand {
        @Parameters(index = "0", paramLabel = "NAME", description = "The app.")
        String name;

        @Override
        public Integer call() {
            String notFound = Api.notFound(ns(), name);
            JsonNode app = api().get(Api.appPath(ns(), name), Api.query(), notFound);
            JsonNode instances = api().get(Api.appPath(ns(), name, "instances"), Api.query(), notFound);
            JsonNode endpoints = api().get(Api.appPath(ns(), name, "endpoints"), Api.query(), notFound);
            List<JsonNode> events = EventsCommand.latest(api(), ns(), name, EVENTS);
            print(cli.out, app, instances, endpoints, events, cli.clock.instant());
            return 0;
        }
    }

    /** kubectl describe's layout: "Key:" padded to one column, nested sections indented by two. */
    static void print(PrintStream out, JsonNode app, JsonNode instances, List<JsonNode> events, Instant now) {
        print(out, app, instances, null, events, now);
    }

    /** @param endpoints the app's Ready endpoints as the gateway sees them, or null to leave the section out */
    static void print(PrintStream out, JsonNode app, JsonNode instances, JsonNode endpoints, List<JsonNode> events,
            Instant now) {
        JsonNode spec = app.path("spec").path("spec");
        JsonNode meta = app.path("spec").path("metadata");
        Fields f = new Fields(out);
        f.put("Name", Output.text(app, "name"));
        f.put("Namespace", Output.text(app, "namespace"));
        f.put("Labels", labels(meta.path("labels")));
        f.put("Created", Output.text(app, "createdAt").isEmpty() ? "<unknown>"
                : Output.text(app, "createdAt") + " (" + Ages.since(app, "createdAt", now) + " ago)");
        f.put("Revision", Output.text(app, "revision"));
        f.put("Generation", Output.text(app, "generation"));
        f.put("Replicas", app.path("replicas").asInt() + " desired | " + app.path("readyReplicas").asInt() + " ready | "
                + app.path("liveReplicas").asInt() + " live");
        if (app.path("deleting").asBoolean()) {
            f.put("Status", "Deleting (instances are stopping, then the app is removed)");
        }
        f.print();

        out.println("Run:");
        Fields run = new Fields(out, "  ");
        JsonNode r = spec.path("run");
        if (r.hasNonNull("jar")) {
            run.put("Jar", Output.text(r, "jar"));
        }
        if (!r.path("command").isEmpty()) {
            run.put("Command", join(r.path("command")));
        }
        if (!r.path("args").isEmpty()) {
            run.put("Args", join(r.path("args")));
        }
        if (!r.path("javaOpts").isEmpty()) {
            run.put("Java Opts", join(r.path("javaOpts")));
        }
        if (r.hasNonNull("workingDir")) {
            run.put("Working Dir", Output.text(r, "workingDir"));
        }
        run.put("Port", Output.text(spec, "port"));
        run.put("Restart Policy", Output.text(spec, "restartPolicy"));
        run.print();

        out.println("Environment:");
        Map<String, String> env = new TreeMap<>();
        spec.path("env").properties().forEach(e -> env.put(e.getKey(), e.getValue().asText()));
        if (env.isEmpty()) {
            out.println("  <none>");
        }
        Fields envFields = new Fields(out, "  ");
        env.forEach((k, v) -> envFields.put(k, secret(k) ? MASK : v));
        envFields.print();

        out.println("Probes:");
        Fields probes = new Fields(out, "  ");
        for (String p : new String[] {"startup", "readiness", "liveness"}) {
            probes.put(Character.toUpperCase(p.charAt(0)) + p.substring(1), probe(spec.path("probes").path(p)));
        }
        probes.print();

        out.println("Resources:");
        JsonNode res = spec.path("resources");
        Fields resources = new Fields(out, "  ");
        resources.put("CPU", res.hasNonNull("cpu") ? Output.text(res, "cpu") : "<not set>");
        resources.put("Memory", res.hasNonNull("memory") ? Output.text(res, "memory") : "<not set>");
        resources.print();

        out.println("Volumes:");
        if (spec.path("volumes").isEmpty()) {
            out.println("  <none>");
        }
        for (JsonNode v : spec.path("volumes")) {
            String volEnv = Output.text(v, "env");
            if (volEnv.isEmpty()) {
                volEnv = "NURI_VOLUME_" + Output.text(v, "name").toUpperCase(Locale.ROOT).replace('-', '_');
            }
            out.println("  " + Output.text(v, "name") + " (path in $" + volEnv + ")");
        }

        out.println("Routes:");
        if (spec.path("routes").isEmpty()) {
            out.println("  <none> (not reachable through the gateway)");
        }
        for (JsonNode route : spec.path("routes")) {
            String host = route.hasNonNull("host") ? Output.text(route, "host") : "*";
            out.println("  " + host + Output.text(route, "path") + (route.path("stripPrefix").asBoolean() ? " (prefix stripped)" : "")
                    + (route.hasNonNull("timeoutSeconds") ? " timeout " + Output.text(route, "timeoutSeconds") + " s" : ""));
        }
        if (endpoints != null) {
            out.println("Endpoints:");
            if (endpoints.isEmpty()) {
                out.println("  <none> (no Ready instance: the gateway answers 503)");
            }
            for (JsonNode e : endpoints) {
                out.println("  " + Output.text(e, "host") + ":" + Output.text(e, "port") + "  " + Output.text(e, "instanceId")
                        + " (revision " + Output.text(e, "revision") + ", ready " + Ages.since(e, "readySince", now) + ")");
            }
        }

        out.println("Instances:");
        if (instances.isEmpty()) {
            out.println("  <none>");
        } else {
            GetCommand.instanceTable(instances, false, false, now).print(out, "  ");
        }

        out.println("Events:");
        if (events.isEmpty()) {
            out.println("  <none>");
        } else {
            Table t = new Table("AGE", "TYPE", "REASON", "OBJECT", "MESSAGE");
            for (JsonNode e : events) {
                t.row(Ages.since(e, "time", now), Output.text(e, "type"), Output.text(e, "reason"),
                        EventsCommand.object(e), Output.text(e, "message"));
            }
            t.print(out, "  ");
        }
    }

    /** kubectl's probe line: {@code http-get /health delay=0s timeout=1s period=1s #success=1 #failure=3}. */
    static String probe(JsonNode p) {
        if (p.isMissingNode() || p.isNull()) {
            return "<none>";
        }
        String action;
        if (p.hasNonNull("http")) {
            action = "http-get " + Output.text(p.path("http"), "path");
        } else if (p.hasNonNull("tcp")) {
            action = "tcp-socket";
        } else if (p.hasNonNull("exec")) {
            action = "exec [" + join(p.path("exec").path("command")) + "]";
        } else {
            action = "<no action>";
        }
        return action + " delay=" + seconds(p.path("initialDelaySeconds")) + " timeout=" + seconds(p.path("timeoutSeconds"))
                + " period=" + seconds(p.path("periodSeconds")) + " #success=" + p.path("successThreshold").asInt()
                + " #failure=" + p.path("failureThreshold").asInt();
    }

    private static String seconds(JsonNode n) {
        double d = n.asDouble();
        return (d == Math.rint(d) ? Long.toString((long) d) : Double.toString(d)) + "s";
    }

    private static String labels(JsonNode labels) {
        if (labels.isEmpty()) {
            return "<none>";
        }
        List<String> kv = new ArrayList<>();
        new TreeMap<String, JsonNode>(toMap(labels)).forEach((k, v) -> kv.add(k + "=" + v.asText()));
        return String.join(",", kv);
    }

    private static Map<String, JsonNode> toMap(JsonNode object) {
        Map<String, JsonNode> m = new TreeMap<>();
        object.properties().forEach(e -> m.put(e.getKey(), e.getValue()));
        return m;
    }

    private static String join(JsonNode array) {
        List<String> parts = new ArrayList<>();
        array.forEach(n -> parts.add(n.asText()));
        return String.join(" ", parts);
    }

    /**
     * "Key:" lines with the values in one column, like kubectl describe: the column is at least
     * {@value #WIDTH} wide and wider when a key is longer. Printed by {@link #print()}.
     */
    private static final class Fields {
        private static final int WIDTH = 14;
        private final PrintStream out;
        private final String indent;
        private final List<String[]> lines = new ArrayList<>();

        Fields(PrintStream out) {
            this(out, "");
        }

        Fields(PrintStream out, String indent) {
            this.out = out;
            this.indent = indent;
        }

        void put(String key, String value) {
            lines.add(new String[] {key + ":", value});
        }

        void print() {
            int width = WIDTH;
            for (String[] l : lines) {
                width = Math.max(width, l[0].length() + 1);
            }
            for (String[] l : lines) {
                out.println(indent + l[0] + " ".repeat(width - l[0].length()) + l[1]);
            }
            lines.clear();
        }
    }
}
