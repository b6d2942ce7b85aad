package io.nuri.cli;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code nuri alerts}: the firing alerts of a namespace ({@code --all}: with pending and recently resolved). */
@Command(name = "alerts", aliases = {"alert"},
        description = "List firing alerts (SEVERITY, RULE, APP, INSTANCE, STATE, SINCE, SUMMARY).")
final class AlertsCommand extends CliCommand {
    @Option(names = "--all", description = "Pending and resolved alerts too (the newest 200).")
    boolean all;

    @Option(names = {"-A", "--all-namespaces"}, description = "Alerts of every namespace (adds a NAMESPACE column).")
    boolean allNamespaces;

    @Option(names = {"-o", "--output"}, paramLabel = "FORMAT", converter = CliCommand.FormatConverter.class,
            description = "json or yaml: the API's alerts as they are.")
    Output.Format format = Output.Format.TABLE;

    @Override
    public Integer call() {
        JsonNode alerts = api().get("/api/v1/alerts", Api.query("state", all ? "all" : "firing",
                "namespace", allNamespaces ? null : ns()), null);
        if (Output.printStructured(cli.out, format, alerts)) {
            return 0;
        }
        if (alerts.isEmpty()) {
            String what = all ? "alerts" : "firing alerts";
            cli.err.println(allNamespaces ? "No " + what + "." : "No " + what + " in " + ns() + " namespace.");
            return 0;
        }
        List<String> header = new ArrayList<>();
        if (allNamespaces) {
            header.add("NAMESPACE");
        }
        header.addAll(List.of("SEVERITY", "RULE", "APP", "INSTANCE", "STATE", "SINCE", "SUMMARY"));
        Table t = new Table(header);
        Instant now = cli.clock.instant();
        for (JsonNode a : alerts) {
            List<String> row = new ArrayList<>();
            if (allNamespaces) {
                row.add(Output.text(a, "namespace"));
            }
            row.add(Output.text(a, "severity"));
            row.add(Output.text(a, "rule"));
            row.add(Output.orDash(a, "app"));
            row.add(Output.orDash(a, "instance"));
            String state = Output.text(a, "state");
            row.add(state.equals("resolved") ? "resolved " + Ages.since(a, "resolvedAt", now) + " ago" : state);
            row.add(Ages.since(a, "since", now));
            row.add(Output.text(a, "summary"));
            t.row(row);
        }
        t.print(cli.out);
        return 0;
    }
}
