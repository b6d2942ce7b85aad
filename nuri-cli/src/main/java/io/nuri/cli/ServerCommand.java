package io.nuri.cli;

import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Unmatched;

/**
 * Listed for help only: the {@code ./nuri} launcher starts {@code nuri server} itself with the
 * server's classpath, which the CLI's lean classpath does not have.
 */
@Command(name = "server", description = "Run the platform (started by the ./nuri launcher with the server classpath)")
final class ServerCommand extends CliCommand {
    @Unmatched
    List<String> rest;

    @Override
    public Integer call() {
        cli.err.println("error: the platform is started by the ./nuri launcher (it puts the server on the classpath);"
                + " run ./nuri server");
        return CliException.USAGE;
    }
}
