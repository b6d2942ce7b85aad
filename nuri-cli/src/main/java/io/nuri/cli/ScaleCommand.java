package io.nuri.cli;

import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(name = "scale", description = "Set the number of replicas of an app.", subcommands = {ScaleCommand.App.class})
final class ScaleCommand extends CliCommand.Group {

    @Command(name = "app", aliases = {"apps"}, description = "Set the desired replicas of an app (PUT .../scale).")
    static final class App extends CliCommand {
        @Parameters(index = "0", paramLabel = "NAME", description = "The app.")
        String name;

        @Option(names = "--replicas", required = true, paramLabel = "N", description = "Desired number of instances (>= 0).")
        int replicas;

        @Override
        public Integer call() {
            if (replicas < 0) {
                throw usage("--replicas must be 0 or more, got " + replicas);
            }
            api().send("PUT", Api.appPath(ns(), name, "scale"), Api.query(), "application/json",
                    "{\"replicas\":" + replicas + "}", Api.notFound(ns(), name));
            cli.out.println("app/" + name + " scaled to " + replicas);
            return 0;
        }
    }
}
