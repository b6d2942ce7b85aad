package io.nuri.cli;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Duration;
import java.time.Instant;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code nuri rollout status|history|undo|pause|resume APP}, as kubectl's rollout commands. */
@Command(name = "rollout", description = "Watch, pause, resume and undo the rollout of an app.",
        subcommands = {RolloutCommand.Status.class, RolloutCommand.History.class, RolloutCommand.Undo.class,
            RolloutCommand.Pause.class, RolloutCommand.Resume.class})
final class RolloutCommand extends CliCommand.Group {

    /** The API path of an app's rollout, plus more segments. */
    static String path(String namespace, String app, String... more) {
        String[] all = new String[more.length + 1];
        all[0] = "rollout";
        System.arraycopy(more, 0, all, 1, more.length);
        return Api.appPath(namespace, app, all);
    }

    @Command(name = "status", description = {"Wait until the rollout of an app is done, printing its progress.",
        "Exit 0 when it completed; 1 when it failed, was rolled back, is paused or --timeout passed."})
    static final class Status extends CliCommand {
        @Parameters(index = "0", paramLabel = "APP", description = "The app.")
        String app;

        @Option(names = "--timeout", paramLabel = "DURATION", defaultValue = "0s",
                description = "Give up after this long, like 30s or 5m (default: 0s = wait until the rollout ends).")
        String timeout;

        @Option(names = {"-w", "--watch"}, negatable = true, defaultValue = "true", fallbackValue = "true",
                description = "Wait for the rollout to end (default); --no-watch prints the status once.")
        boolean watch;

        @Override
        public Integer call() {
            Duration limit = Ages.parseDuration(timeout);
            Instant deadline = limit.isZero() ? null : cli.clock.instant().plus(limit);
            String last = null;
            while (true) {
                JsonNode s = api().get(path(ns(), app), Api.query(), Api.notFound(ns(), app));
                String phase = Output.text(s, "phase");
                String rev = Output.text(s, "revision");
                switch (phase) {
                    case "Complete" -> {
                        cli.out.println("app/" + app + " successfully rolled out (revision " + rev + ")");
                        return 0;
                    }
                    case "Failed" -> throw new CliException(CliException.REFUSED,
                            "rollout of app/" + app + " failed: " + Output.text(s, "message"));
                    case "RolledBack" -> throw new CliException(CliException.REFUSED,
                            "rollout of app/" + app + " was rolled back: " + Output.text(s, "message"));
                    case "Paused" -> throw new CliException(CliException.REFUSED, "rollout of app/" + app
                            + " is paused at revision " + rev + "; continue it with: nuri rollout resume " + app);
                    default -> {
                        String line = phase.equals("Canary") ? "Waiting for rollout to finish: " + Output.text(s, "message")
                                : progress(s);
                        if (!line.equals(last)) {
                            cli.out.println(line);
                            last = line;
                        }
                    }
                }
                if (!watch) {
                    return 0;
                }
                if (deadline != null && !cli.clock.instant().isBefore(deadline)) {
                    throw new CliException(CliException.REFUSED, "timed out after " + timeout
                            + " waiting for the rollout of app/" + app + " (revision " + rev + ") to finish");
                }
                cli.sleepPoll();
            }
        }

        /** kubectl's progress lines, from the counts of {@code GET .../rollout}. */
        static String progress(JsonNode s) {
            int replicas = s.path("replicas").asInt();
            int updated = s.path("updatedReplicas").asInt();
            int available = s.path("availableReplicas").asInt();
            int total = s.path("totalReplicas").asInt();
            String prefix = "Waiting for rollout to finish: ";
            if (updated < replicas) {
                return prefix + updated + " out of " + replicas + " new replicas have been updated...";
            }
            if (total > updated) {
                return prefix + (total - updated) + " old replicas are pending termination...";
            }
            if (available < updated) {
                return prefix + available + " of " + updated + " updated replicas are available...";
            }
            return prefix + "revision " + Output.text(s, "revision") + "...";
        }
    }

    @Command(name = "history", description = "List the revisions of an app (with why each was made) and its rollouts.")
    static final class History extends GetCommand.Listing {
        @Parameters(index = "0", paramLabel = "APP", description = "The app.")
        String app;

        @Override
        public Integer call() {
            JsonNode h = api().get(path(ns(), app, "history"), Api.query(), Api.notFound(ns(), app));
            if (Output.printStructured(cli.out, format, h)) {
                return 0;
            }
            Instant now = cli.clock.instant();
            Table revisions = new Table("REVISION", "CREATED", "HASH", "ARTIFACT", "RUNNING", "CAUSE");
            for (JsonNode r : h.path("revisions")) {
                String number = Output.text(r, "revision") + (r.path("current").asBoolean() ? "*" : "");
                revisions.row(number, Ages.since(r, "createdAt", now), Output.orDash(r, "hash"), Output.orDash(r, "artifact"),
                        Output.text(r, "instances"), Output.orDash(r, "cause"));
            }
            revisions.print(cli.out);
            cli.out.println("* current revision");
            if (h.path("rollouts").isEmpty()) {
                return 0;
            }
            cli.out.println();
            Table log = new Table("STARTED", "REVISION", "FROM", "RESULT", "CAUSE");
            for (JsonNode e : h.path("rollouts")) {
                String result = Output.text(e, "result");
                String cause = Output.text(e, "cause");
                String message = Output.text(e, "message");
                if (!message.isEmpty() && !result.equals("Complete")) {
                    cause = cause + " (" + message + ")";
                }
                log.row(Ages.since(e, "startedAt", now), Output.text(e, "revision"), Output.orDash(e, "fromRevision"),
                        result.isEmpty() ? "Progressing" : result, cause);
            }
            log.print(cli.out);
            return 0;
        }
    }

    @Command(name = "undo", description = {"Make an earlier revision current again: its template and its pinned "
            + "artifact, exactly the old bytes.", "Default: the previous revision (the last complete one before the current)."})
    static final class Undo extends CliCommand {
        @Parameters(index = "0", paramLabel = "APP", description = "The app.")
        String app;

        @Option(names = "--to-revision", paramLabel = "N", description = "The revision to go back to.")
        Integer toRevision;

        @Override
        public Integer call() {
            if (toRevision != null && toRevision < 1) {
                throw usage("--to-revision must be 1 or more, got " + toRevision);
            }
            String body = toRevision == null ? "{}" : "{\"toRevision\":" + toRevision + "}";
            JsonNode r = api().send("POST", path(ns(), app, "undo"), Api.query(), "application/json", body, null);
            if (Output.text(r, "action").equals("unchanged")) {
                cli.out.println("app/" + app + " skipped rollback (already at revision " + Output.text(r, "revision") + ")");
            } else {
                cli.out.println("app/" + app + " rolled back to revision " + Output.text(r, "revision") + " (was "
                        + Output.text(r, "fromRevision") + ")");
            }
            return 0;
        }
    }

    @Command(name = "pause", description = "Pause the rollout of an app: it keeps its instances; new revisions wait.")
    static final class Pause extends CliCommand {
        @Parameters(index = "0", paramLabel = "APP", description = "The app.")
        String app;

        @Override
        public Integer call() {
            api().send("POST", path(ns(), app, "pause"), Api.query(), null, null, Api.notFound(ns(), app));
            cli.out.println("app/" + app + " paused");
            return 0;
        }
    }

    @Command(name = "resume", description = "Resume the rollout of a paused app.")
    static final class Resume extends CliCommand {
        @Parameters(index = "0", paramLabel = "APP", description = "The app.")
        String app;

        @Override
        public Integer call() {
            api().send("POST", path(ns(), app, "resume"), Api.query(), null, null, Api.notFound(ns(), app));
            cli.out.println("app/" + app + " resumed");
            return 0;
        }
    }
}
