package io.nuri.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Rollouts through the real server, API and CLI: status exit codes, automatic rollback, undo, pause. */
class RolloutE2ETest {
    @TempDir
    static Path tmp;

    static ServerProcess server;

    @BeforeAll
    static void startServer() {
        server = ServerProcess.start(tmp.resolve("data"));
    }

    @AfterAll
    static void stopServer() {
        if (server != null) {
            server.close();
        }
    }

    /** The sample app at this version; a rollout that makes no progress for 6 s fails. */
    private static TestApps.Spec shop(String version) {
        return TestApps.sample("shop").javaOpts("-XX:TieredStopAtLevel=1", "-Xmx48m").env("APP_VERSION", version)
                .replicas(2).readinessEvery(0.25).set("rollout", "{progressDeadlineSeconds: 6}");
    }

    private static void apply(TestApps.Spec app) throws IOException {
        Path file = tmp.resolve("shop.yaml");
        Files.writeString(file, app.yaml());
        ServerProcess.CliResult r = server.nuri("apply", "-f", file.toString());
        assertThat(r.code()).as("apply: %s", r).isZero();
    }

    @Test
    void statusFollowsRolloutsAndUndoBringsBackAnEarlierRevision() throws Exception {
        apply(shop("v1"));
        ServerProcess.CliResult first = server.nuri("rollout", "status", "shop", "--timeout", "60s");
        assertThat(first.code()).as("%s", first).isZero();
        assertThat(first.out()).endsWith("app/shop successfully rolled out (revision 1)\n");

        apply(shop("v2").command("sh", "-c", "echo boom; exit 1"));
        ServerProcess.CliResult failed = server.nuri("rollout", "status", "shop", "--timeout", "60s");
        assertThat(failed.code()).as("%s", failed).isEqualTo(1);
        assertThat(failed.out()).startsWith("Waiting for rollout to finish: ");
        // "after 6 s" is the progress deadline as measured: a loaded machine makes it 7 s or more
        assertThat(failed.err()).matches("(?s)error: rollout of app/shop was rolled back: rolled back from revision 2 to 1: "
                + "revision 2 not available after ([6-9]|[1-9][0-9]) s: 0/2 ready; last: exit code 1.*");
        assertThat(server.readyInstances("shop")).hasSize(2).allSatisfy(i -> assertThat(i.get("revision").asInt()).isEqualTo(1));

        apply(shop("v3"));
        assertThat(server.nuri("rollout", "status", "shop", "--timeout", "60s").out())
                .endsWith("app/shop successfully rolled out (revision 3)\n");

        ServerProcess.CliResult undo = server.nuri("rollout", "undo", "shop", "--to-revision", "1");
        assertThat(undo.out()).isEqualTo("app/shop rolled back to revision 1 (was 3)\n");
        assertThat(server.nuri("rollout", "status", "shop", "--timeout", "60s").out())
                .endsWith("app/shop successfully rolled out (revision 1)\n");

        ServerProcess.CliResult history = server.nuri("rollout", "history", "shop");
        assertThat(history.code()).as("%s", history).isZero();
        assertThat(history.out()).contains("1*", "run: jar -> command", "env APP_VERSION: v1 -> v3", "automatic rollback to revision 1",
                "rollback to revision 1", "RolledBack", "Failed");

        assertThat(server.nuri("rollout", "pause", "shop").out()).isEqualTo("app/shop paused\n");
        ServerProcess.HttpResult status = server.http("GET", "/api/v1/namespaces/default/apps/shop/rollout", null,
                server.token());
        assertThat(status.status()).isEqualTo(200);
        assertThat(status.body()).contains("\"paused\":true");
        assertThat(server.nuri("rollout", "resume", "shop").out()).isEqualTo("app/shop resumed\n");
        assertThat(server.http("POST", "/api/v1/namespaces/default/apps/shop/rollout/undo", "{\"toRevision\": 7}",
                server.token()).status()).isEqualTo(404);
        assertThat(server.http("POST", "/api/v1/namespaces/default/apps/shop/rollout/undo", "{\"toRevision\": \"x\"}",
                server.token()).status()).isEqualTo(400);
        assertThat(server.nuri("delete", "app", "shop", "--wait").code()).isZero();
    }
}
