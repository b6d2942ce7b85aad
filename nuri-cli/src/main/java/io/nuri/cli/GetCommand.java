package io.nuri.cli;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(name = "get", description = "List apps, instances, revisions or alert rules.",
        subcommands = {GetCommand.Apps.class, GetCommand.Instances.class, GetCommand.Revisions.class,
            GetCommand.AlertRules.class})
final class GetCommand extends CliCommand.Group {

    abstract static class Listing extends CliCommand {
        @Option(names = {"-o", "--output"}, paramLabel = "FORMAT", converter = CliCommand.FormatConverter.class,
                description = "json, yaml (the API's objects as they are) or wide (more columns).")
        Output.Format format = Output.Format.TABLE;

        /** kubectl's message for an empty list, on stderr so that scripts reading stdout see nothing. */
        void nothingFound(String what, boolean allNamespaces) {
            cli.err.println(allNamespaces ? "No " + what + " found." : "No " + what + " found in " + ns() + " namespace.");
        }
    }

    @Command(name = "apps", aliases = {"app"}, description = "List apps: NAME, READY (ready/desired), REVISION, AGE.")
    static final class Apps extends Listing {
        @Option(names = {"-A", "--all-namespaces"}, description = "Apps of every namespace (adds a NAMESPACE column).")
        boolean all;

        @Override
        public Integer call() {
            JsonNode apps = api().get("/api/v1/apps", Api.query("namespace", all ? null : ns()), null);
            if (Output.printStructured(cli.out, format, apps)) {
                return 0;
            }
            if (apps.isEmpty()) {
                nothingFound("apps", all);
                return 0;
            }
            List<JsonNode> sorted = new ArrayList<>();
            apps.forEach(sorted::add);
            sorted.sort(Comparator.comparing((JsonNode a) -> Output.text(a, "namespace")).thenComparing(a -> Output.text(a, "name")));
            boolean wide = format == Output.Format.WIDE;
            List<String> header = new ArrayList<>();
            if (all) {
                header.add("NAMESPACE");
            }
            header.addAll(List.of("NAME", "READY", "REVISION", "AGE"));
            if (wide) {
                header.addAll(List.of("LIVE", "GENERATION", "DELETING"));
            }
            Table t = new Table(header);
            Instant now = cli.clock.instant();
            for (JsonNode a : sorted) {
                List<String> row = new ArrayList<>();
                if (all) {
                    row.add(Output.text(a, "namespace"));
                }
                row.add(Output.text(a, "name"));
                row.add(a.path("readyReplicas").asInt() + "/" + a.path("replicas").asInt());
                row.add(Output.text(a, "revision"));
                row.add(Ages.since(a, "createdAt", now));
                if (wide) {
                    row.add(Integer.toString(a.path("liveReplicas").asInt()));
                    row.add(Output.text(a, "generation"));
                    row.add(Boolean.toString(a.path("deleting").asBoolean()));
                }
                t.row(row);
            }
            t.print(cli.out);
            return 0;
        }
    }

    @Command(name = "instances", aliases = {"instance", "inst"},
            description = "List instances of one app, or of every app in the namespace.")
    static final class Instances extends Listing {
        @Parameters(index = "0", arity = "0..1", paramLabel = "APP", description = "Only this app's instances.")
        String app;

        @Option(names = {"-A", "--all-namespaces"}, description = "Instances of every namespace (adds a NAMESPACE column).")
        boolean all;

        @Override
        public Integer call() {
            if (app != null && all) {
                throw usage("an APP and --all-namespaces do not go together");
            }
            JsonNode instances = app != null
                    ? api().get(Api.appPath(ns(), app, "instances"), Api.query(), Api.notFound(ns(), app))
                    : api().get("/api/v1/instances", Api.query("namespace", all ? null : ns()), null);
            if (Output.printStructured(cli.out, format, instances)) {
                return 0;
            }
            if (instances.isEmpty()) {
                nothingFound("instances", all);
                return 0;
            }
            instanceTable(instances, all, format == Output.Format.WIDE, cli.clock.instant()).print(cli.out);
            return 0;
        }
    }

    /** ID, APP, REV, STATE, RESTARTS, PID, PORT, AGE; wide adds NAMESPACE, READY-SINCE, LAST-EXIT, REASON. */
    static Table instanceTable(JsonNode instances, boolean namespaceFirst, boolean wide, Instant now) {
        List<String> header = new ArrayList<>();
        if (namespaceFirst) {
            header.add("NAMESPACE");
        }
        header.addAll(List.of("ID", "APP", "REV", "STATE", "RESTARTS", "PID", "PORT", "AGE"));
        if (wide) {
            if (!namespaceFirst) {
                header.add("NAMESPACE");
            }
            header.addAll(List.of("READY-SINCE", "LAST-EXIT", "REASON"));
        }
        Table t = new Table(header);
        for (JsonNode i : instances) {
            List<String> row = new ArrayList<>();
            if (namespaceFirst) {
                row.add(Output.text(i, "namespace"));
            }
            row.add(Output.text(i, "id"));
            row.add(Output.text(i, "app"));
            row.add(Output.text(i, "revision"));
            row.add(Output.text(i, "state"));
            row.add(Integer.toString(i.path("restarts").asInt()));
            row.add(Output.orDash(i, "pid"));
            row.add(Output.orDash(i, "port"));
            row.add(Ages.since(i, "createdAt", now));
            if (wide) {
                if (!namespaceFirst) {
                    row.add(Output.text(i, "namespace"));
                }
                row.add(Ages.since(i, "readyAt", now));
                JsonNode exit = i.path("lastExitCode");
                row.add(exit.isNumber() ? exit.asText() : "-");
                row.add(Output.orDash(i, "reason"));
            }
            t.row(row);
        }
        return t;
    }

    @Command(name = "alertrules", aliases = {"alertrule"},
            description = "List alert rules: NAME, APP, CONDITION, FOR, SEVERITY, WEBHOOKS (built-in defaults marked).")
    static final class AlertRules extends Listing {
        @Option(names = {"-A", "--all-namespaces"}, description = "Rules of every namespace (adds a NAMESPACE column).")
        boolean all;

        @Override
        public Integer call() {
            JsonNode rules = api().get("/api/v1/alertrules", Api.query("namespace", all ? null : ns()), null);
            if (Output.printStructured(cli.out, format, rules)) {
                return 0;
            }
            if (rules.isEmpty()) {
                nothingFound("alert rules", all);
                return 0;
            }
            List<String> header = new ArrayList<>();
            if (all) {
                header.add("NAMESPACE");
            }
            header.addAll(List.of("NAME", "APP", "CONDITION", "FOR", "SEVERITY", "WEBHOOKS"));
            Table t = new Table(header);
            for (JsonNode r : rules) {
                List<String> row = new ArrayList<>();
                if (all) {
                    row.add(Output.text(r, "namespace"));
                }
                row.add(Output.text(r, "name") + (r.path("builtIn").asBoolean() ? " (default)" : ""));
                row.add(r.path("app").isTextual() ? r.path("app").asText() : "*");
                row.add(Output.text(r, "metric") + " " + Output.text(r, "condition"));
                row.add(r.path("forSeconds").asInt() + "s");
                row.add(Output.text(r, "severity"));
                row.add(Integer.toString(r.path("webhooks").size()));
                t.row(row);
            }
            t.print(cli.out);
            return 0;
        }
    }

    @Command(name = "revisions", aliases = {"revision", "rev"}, description = "List the revisions of an app: NUMBER, HASH, CREATED.")
    static final class Revisions extends Listing {
        @Parameters(index = "0", paramLabel = "APP", description = "The app.")
        String app;

        @Override
        public Integer call() {
            JsonNode revisions = api().get(Api.appPath(ns(), app, "revisions"), Api.query(), Api.notFound(ns(), app));
            if (Output.printStructured(cli.out, format, revisions)) {
                return 0;
            }
            Table t = new Table("NUMBER", "HASH", "CREATED");
            Instant now = cli.clock.instant();
            for (JsonNode r : revisions) {
                t.row(Output.text(r, "number"), Output.text(r, "hash"), Ages.since(r, "createdAt", now));
            }
            t.print(cli.out);
            return 0;
        }
    }
}
