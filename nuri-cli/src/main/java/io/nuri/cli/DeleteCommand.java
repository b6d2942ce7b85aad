package io.nuri.cli;

import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(name = "delete", description = "Delete an app or an alert rule.",
        subcommands = {DeleteCommand.App.class, DeleteCommand.AlertRule.class})
final class DeleteCommand extends CliCommand.Group {

    @Command(name = "alertrule", aliases = {"alertrules"}, description = "Delete alert rules; their firing alerts resolve.")
    static final class AlertRule extends CliCommand {
        @Parameters(arity = "1..*", paramLabel = "NAME", description = "The rules to delete.")
        List<String> names;

        @Override
        public Integer call() {
            for (String name : names) {
                api().send("DELETE", "/api/v1/namespaces/" + Api.segment(ns()) + "/alertrules/" + Api.segment(name),
                        Api.query(), null, null, "alert rule \"" + name + "\" not found in namespace \"" + ns() + "\"");
                cli.out.println("alertrule/" + name + " deleted");
            }
            return 0;
        }
    }

    @Command(name = "app", aliases = {"apps"},
            description = "Delete apps. The server stops their instances, then removes them; --wait waits for that.")
    static final class App extends CliCommand {
        @Parameters(arity = "1..*", paramLabel = "NAME", description = "The apps to delete.")
        List<String> names;

        @Option(names = "--wait", description = "Wait until every instance is stopped and the app is gone.")
        boolean await;

        @Option(names = "--timeout", paramLabel = "DURATION", defaultValue = "60s",
                description = "How long --wait waits, like 30s or 2m (default: ${DEFAULT-VALUE}); then exit 1.")
        String timeout;

        @Override
        public Integer call() {
            Duration limit = Ages.parseDuration(timeout);
            for (String name : names) {
                api().send("DELETE", Api.appPath(ns(), name), Api.query(), null, null, Api.notFound(ns(), name));
                cli.out.println("app/" + name + " deleted");
            }
            if (!await) {
                return 0;
            }
            Instant deadline = cli.clock.instant().plus(limit);
            for (String name : names) {
                while (exists(name)) {
                    if (!cli.clock.instant().isBefore(deadline)) {
                        throw new CliException(CliException.REFUSED, "timed out after " + timeout + " waiting for app/" + name
                                + " to be gone; its instances are still stopping (see nuri describe app " + name + ")");
                    }
                    cli.sleepPoll();
                }
            }
            return 0;
        }

        private boolean exists(String name) {
            Api api = api();
            HttpResponse<String> r = api.send(api.request(Api.appPath(ns(), name), Api.query()).timeout(Api.REQUEST_TIMEOUT).GET().build());
            if (r.statusCode() == 404) {
                return false;
            }
            api.check(r.statusCode(), r.body(), null);
            return true;
        }
    }
}
