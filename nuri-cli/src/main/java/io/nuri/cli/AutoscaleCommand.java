package io.nuri.cli;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.Locale;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code nuri autoscale status APP}: what the autoscaler sees and decided for an app. */
@Command(name = "autoscale", description = "Show what the autoscaler sees and decides for an app.",
        subcommands = {AutoscaleCommand.Status.class})
final class AutoscaleCommand extends CliCommand.Group {

    @Command(name = "status", description = {"Bounds, targets, observed load (stable and panic windows), the count",
        "now and the last decisions with their inputs."})
    static final class Status extends CliCommand {
        @Parameters(index = "0", paramLabel = "APP", description = "The app.")
        String app;

        @Option(names = {"-o", "--output"}, paramLabel = "FORMAT", converter = CliCommand.FormatConverter.class,
                description = "json or yaml: the API's answer as it is.")
        Output.Format format = Output.Format.TABLE;

        @Override
        public Integer call() {
            JsonNode s = api().get(Api.appPath(ns(), app, "autoscale"), Api.query(), Api.notFound(ns(), app));
            if (Output.printStructured(cli.out, format, s)) {
                return 0;
            }
            var out = cli.out;
            out.printf("app/%s: %d replicas (%d ready), desired %d, bounds %d..%d%s%s%n", app, s.path("replicas").asInt(),
                    s.path("readyReplicas").asInt(), s.path("desiredReplicas").asInt(), s.path("minReplicas").asInt(),
                    s.path("maxReplicas").asInt(),
                    s.path("effectiveMinReplicas").asInt() > s.path("minReplicas").asInt()
                            ? " (minimum " + s.path("effectiveMinReplicas").asInt() + " by schedule)" : "",
                    s.path("panicking").asBoolean() ? ", PANIC until " + Output.text(s, "panicUntil") : "");
            JsonNode t = s.path("targets");
            Table table = new Table("SIGNAL", "TARGET/INSTANCE", "STABLE", "PANIC");
            JsonNode st = s.path("stable");
            JsonNode pa = s.path("panic");
            row(table, "concurrency", t.path("concurrency").asDouble(), st.path("concurrency"), pa.path("concurrency"));
            row(table, "rps", t.path("rps").asDouble(), st.path("rps"), pa.path("rps"));
            row(table, "cpu %", t.path("cpuPercent").asDouble(), st.path("cpuPercent"), pa.path("cpuPercent"));
            row(table, "p95 ms", t.path("p95Millis").asDouble(), st.path("p95Millis"), pa.path("p95Millis"));
            table.print(out);
            out.printf("windows: stable %d s, panic %d s; idle %.0f s; held at zero: %d%n", st.path("windowSeconds").asInt(),
                    pa.path("windowSeconds").asInt(), s.path("idleSeconds").asDouble(), pa.path("held").asInt());
            for (JsonNode sc : s.path("schedules")) {
                out.printf("schedule %s (%s %s): minReplicas %d, %s%n", Output.text(sc, "name"), Output.text(sc, "cron"),
                        Output.text(sc, "timeZone"), sc.path("minReplicas").asInt(), sc.path("open").asBoolean() ? "OPEN"
                                : "next " + Output.text(sc, "nextStart"));
            }
            if (s.path("decisions").isEmpty()) {
                out.println("no decisions yet");
                return 0;
            }
            out.println("last decisions:");
            Table d = new Table("TIME", "FROM", "TO", "WHY");
            for (JsonNode x : s.path("decisions")) {
                d.row(Output.text(x, "time"), x.path("from").asText(), x.path("to").asText(), Output.text(x, "reason"));
            }
            d.print(out);
            return 0;
        }

        private static void row(Table table, String signal, double target, JsonNode stable, JsonNode panic) {
            if (target > 0) {
                table.row(signal, number(target), value(stable), value(panic));
            }
        }

        private static String value(JsonNode v) {
            return v.isNumber() ? String.format(Locale.ROOT, "%.1f", v.asDouble()) : "-";
        }

        private static String number(double d) {
            return d == Math.rint(d) ? Long.toString((long) d) : Double.toString(d);
        }
    }
}
