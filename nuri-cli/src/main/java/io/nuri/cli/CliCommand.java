package io.nuri.cli;

import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/** A command that talks to the server; {@link #cli} is set by the command factory of {@link Nuri}. */
abstract class CliCommand implements Callable<Integer> {
    Cli cli;

    @Spec
    CommandSpec spec;

    Api api() {
        return cli.api();
    }

    String ns() {
        return cli.namespace();
    }

    CommandLine.ParameterException usage(String message) {
        return new CommandLine.ParameterException(spec.commandLine(), message);
    }

    /** A command that only groups subcommands (get, describe, ...): alone it is a usage error. */
    abstract static class Group extends CliCommand {
        @Override
        public Integer call() {
            throw usage("missing the kind of object: " + String.join(", ",
                    spec.subcommands().values().stream().map(CommandLine::getCommandName).distinct().toList()));
        }
    }

    static final class FormatConverter implements CommandLine.ITypeConverter<Output.Format> {
        @Override
        public Output.Format convert(String value) {
            return Output.Format.parse(value);
        }
    }
}
