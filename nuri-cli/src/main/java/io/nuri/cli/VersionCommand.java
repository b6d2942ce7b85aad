package io.nuri.cli;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.io.InputStream;
import java.util.Properties;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(name = "version", description = "Print the client version and, if it is reachable, the server's.")
final class VersionCommand extends CliCommand {
    @Option(names = "--client", description = "Only the client version; do not contact the server.")
    boolean clientOnly;

    static String clientVersion() {
        try (InputStream in = VersionCommand.class.getResourceAsStream("version.properties")) {
            Properties p = new Properties();
            if (in != null) {
                p.load(in);
            }
            return p.getProperty("version", "unknown");
        } catch (IOException e) {
            return "unknown";
        }
    }

    @Override
    public Integer call() {
        cli.out.println("Client Version: " + clientVersion());
        if (clientOnly) {
            return 0;
        }
        try {
            JsonNode v = api().get("/api/v1/version", Api.query(), null);
            String driver = Output.text(v, "driver");
            cli.out.println("Server Version: " + Output.text(v, "version") + (driver.isEmpty() ? "" : " (driver " + driver + ")"));
            cli.out.println("Server: " + api().target().url());
            return 0;
        } catch (CliException e) {
            // The client version is printed either way; say why the server's is missing, keep its exit code.
            cli.err.println("error: " + e.getMessage());
            return e.exitCode();
        }
    }
}
