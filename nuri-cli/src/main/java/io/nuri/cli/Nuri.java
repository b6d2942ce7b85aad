package io.nuri.cli;

import java.io.InputStream;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.time.Clock;
import java.util.List;
import java.util.Map;
import java.util.Set;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ScopeType;
import picocli.CommandLine.Spec;

/**
 * The {@code nuri} command: a kubectl-like client of the Nuri REST API (docs/api.md, docs/cli.md).
 *
 * <p>Kept lean because operators type it all day: picocli and Jackson trees only, the HTTP client and
 * the server discovery made on first use, no logging framework. {@link #run} is the whole program
 * without {@code System.exit}, so tests drive it with their own streams and environment.
 */
@Command(name = "nuri",
        description = "Nuri: run and watch the apps of a Nuri platform.",
        synopsisSubcommandLabel = "COMMAND",
        footer = {"", "The server is found from --server/--token, else NURI_SERVER/NURI_TOKEN, else",
            "server.json and admin.token in the data dir.",
            "Exit codes: 0 ok, 1 refused by the server, 2 usage, 3 server not reachable,",
            "4 token refused. See docs/cli.md."})
public final class Nuri implements Runnable {
    /** The commands in help order; see {@link #commandLine} for why they are added by hand. */
    private static final List<Class<?>> COMMANDS = List.of(ServerCommand.class, ApplyCommand.class, GetCommand.class,
            DescribeCommand.class, DeleteCommand.class, ScaleCommand.class, RolloutCommand.class, LogsCommand.class,
            EventsCommand.class, MetricsCommand.class, AutoscaleCommand.class, AlertsCommand.class, VersionCommand.class);

    /** Global options that take a value as the next argument, skipped when looking for the command name. */
    private static final Set<String> VALUE_OPTIONS = Set.of("-n", "--namespace", "--data-dir", "--server", "--token");

    private final Cli cli;

    @Spec
    CommandSpec spec;

    @Option(names = {"-h", "--help"}, usageHelp = true, scope = ScopeType.INHERIT, description = "Show this help and exit.")
    boolean help;

    Nuri(Cli cli) {
        this.cli = cli;
    }

    @Option(names = {"-n", "--namespace"}, paramLabel = "NS", scope = ScopeType.INHERIT, order = 100,
            description = "Namespace of the apps (default: default).")
    void namespace(String ns) {
        cli.namespace = ns;
    }

    @Option(names = "--data-dir", paramLabel = "DIR", scope = ScopeType.INHERIT, order = 101,
            description = "Data dir with server.json and admin.token (default: $NURI_HOME, else ~/.nuri).")
    void dataDir(String dir) {
        cli.dataDir = dir;
    }

    @Option(names = "--server", paramLabel = "URL", scope = ScopeType.INHERIT, order = 102,
            description = "API server URL (default: $NURI_SERVER, else the url in server.json).")
    void server(String url) {
        cli.server = url;
    }

    @Option(names = "--token", paramLabel = "TOKEN", scope = ScopeType.INHERIT, order = 103,
            description = "Bearer token (default: $NURI_TOKEN, else the data dir's admin.token).")
    void token(String token) {
        cli.token = token;
    }

    @Override
    public void run() {
        spec.commandLine().usage(cli.out);
    }

    public static void main(String[] args) {
        System.exit(run(args, System.out, System.err, System.getenv()));
    }

    /** Runs one command line; returns the exit code (0 ok, 1 refused, 2 usage, 3 unreachable, 4 unauthorized). */
    public static int run(String[] args, PrintStream out, PrintStream err, Map<String, String> env) {
        return run(args, System.in, out, err, env);
    }

    static int run(String[] args, InputStream in, PrintStream out, PrintStream err, Map<String, String> env) {
        return run(args, in, out, err, env, Clock.systemUTC());
    }

    /** With the clock ages are computed against; tests give one that starts at a known instant. */
    static int run(String[] args, InputStream in, PrintStream out, PrintStream err, Map<String, String> env, Clock clock) {
        Cli cli = new Cli(out, err, in, env, clock);
        CommandLine cl = commandLine(cli, args);
        PrintWriter outWriter = new PrintWriter(out, true);
        PrintWriter errWriter = new PrintWriter(err, true);
        cl.setOut(outWriter).setErr(errWriter);
        cl.setUsageHelpWidth(100); // "server" and its description on one line
        cl.setParameterExceptionHandler(Nuri::usageError);
        cl.setExecutionExceptionHandler((e, line, parsed) -> failure(cli, e));
        try {
            return cl.execute(args);
        } finally {
            cli.close();
            outWriter.flush();
            errWriter.flush();
            out.flush();
            err.flush();
        }
    }

    /**
     * The command tree for {@code args}. Picocli reflects over every registered command class when
     * the tree is built, so when the command name is clear ({@code nuri get apps}) only that one
     * command is registered; help and unknown names get all of them (help lists them, errors
     * suggest the nearest).
     */
    static CommandLine commandLine(Cli cli, String[] args) {
        Factory factory = new Factory(cli);
        CommandLine cl = new CommandLine(new Nuri(cli), factory);
        String name = commandName(args);
        for (Class<?> c : COMMANDS) {
            Command a = c.getAnnotation(Command.class);
            if (name == null || a.name().equals(name) || List.of(a.aliases()).contains(name)) {
                cl.addSubcommand(c);
            }
        }
        if (cl.getSubcommands().isEmpty()) {
            COMMANDS.forEach(cl::addSubcommand);
        }
        return cl;
    }

    /** The first argument that is neither an option nor an option's value; null if there is none. */
    static String commandName(String[] args) {
        for (int i = 0; i < args.length; i++) {
            String a = args[i];
            if (a.equals("--")) {
                return i + 1 < args.length ? args[i + 1] : null;
            }
            if (!a.startsWith("-")) {
                return a;
            }
            if (a.equals("-h") || a.equals("--help")) {
                return null; // "nuri --help get": the full command list
            }
            if (VALUE_OPTIONS.contains(a)) {
                i++;
            }
        }
        return null;
    }

    /** kubectl's shape: {@code error: <what>} and a pointer to help; exit 2. */
    private static int usageError(CommandLine.ParameterException e, String[] args) {
        CommandLine cmd = e.getCommandLine();
        PrintWriter err = cmd.getErr();
        err.println("error: " + e.getMessage());
        CommandLine.UnmatchedArgumentException.printSuggestions(e, err);
        err.println("See '" + cmd.getCommandSpec().qualifiedName() + " --help' for usage.");
        return CliException.USAGE;
    }

    private static int failure(Cli cli, Exception e) {
        if (e instanceof CliException ce) {
            cli.err.println("error: " + ce.getMessage());
            return ce.exitCode();
        }
        if (e instanceof Api.Interrupted) {
            return 0; // the user ended a watch or follow
        }
        cli.err.println("error: " + e);
        if (cli.env.containsKey("NURI_DEBUG")) {
            e.printStackTrace(cli.err);
        }
        return CliException.REFUSED;
    }

    /** Gives every command the shared {@link Cli}; the rest is picocli's default. */
    private record Factory(Cli cli) implements CommandLine.IFactory {
        @Override
        public <K> K create(Class<K> cls) throws Exception {
            K k = CommandLine.defaultFactory().create(cls);
            if (k instanceof CliCommand c) {
                c.cli = cli;
            }
            return k;
        }
    }
}
