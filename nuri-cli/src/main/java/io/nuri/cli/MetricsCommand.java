package io.nuri.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(name = "metrics", description = "An app's service figures over the last 10 seconds: TPS, APDEX, p95, error rate, active users, in flight.")
final class MetricsCommand extends CliCommand {
    @Parameters(index = "0", paramLabel = "APP", description = "The app.")
    String name;

    @Option(names = {"-o", "--output"}, paramLabel = "FORMAT", converter = CliCommand.FormatConverter.class,
            description = "json or yaml: namespace, app and the API's current figures.")
    Output.Format format = Output.Format.TABLE;

    @Override
    public Integer call() {
        JsonNode m = api().get(Api.appPath(ns(), name, "metrics"), Api.query("seconds", "10"), Api.notFound(ns(), name));
        JsonNode c = m.path("current");
        ObjectNode flat = c.isObject() ? ((ObjectNode) c).deepCopy() : com.fasterxml.jackson.databind.node.JsonNodeFactory.instance.objectNode();
        flat.put("namespace", ns());
        flat.put("app", name);
        flat.put("apdexThresholdMs", m.path("apdexThresholdMs").asLong());
        if (Output.printStructured(cli.out, format, flat)) {
            return 0;
        }
        Table t = new Table("APP", "TPS", "APDEX", "P95(MS)", "ERROR-RATE", "ACTIVE-USERS", "IN-FLIGHT");
        t.row(name, String.format("%.1f", c.path("tps").asDouble()), String.format("%.2f", c.path("apdex").asDouble()),
                String.format("%.0f", c.path("p95Ms").asDouble()), String.format("%.1f%%", c.path("errorRate").asDouble() * 100),
                String.valueOf(c.path("activeUsers").asLong()), String.valueOf(c.path("inFlight").asLong()));
        t.print(cli.out);
        return 0;
    }
}
