package io.nuri.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class RolloutCommandTest extends CliTestSupport {
    private static final String ROLLOUT = "/api/v1/namespaces/default/apps/portal/rollout";

    private static String status(String phase, int revision, int replicas, int updated, int available, int total,
            String message) {
        return """
                {"namespace":"default","name":"portal","phase":"%s","revision":%d,"fromRevision":2,
                 "lastCompleteRevision":2,"paused":false,"replicas":%d,"updatedReplicas":%d,"readyReplicas":%d,
                 "availableReplicas":%d,"totalReplicas":%d,"message":"%s"}
                """.formatted(phase, revision, replicas, updated, available, available, total, message);
    }

    @Test
    void statusPrintsKubectlProgressLinesOnceEachAndExitsZeroWhenComplete() {
        String[] steps = {
            status("Progressing", 3, 4, 1, 0, 5, "rolling out"),
            status("Progressing", 3, 4, 1, 0, 5, "rolling out"),
            status("Progressing", 3, 4, 4, 2, 5, "rolling out"),
            status("Progressing", 3, 4, 4, 2, 4, "rolling out"),
            status("Complete", 3, 4, 4, 4, 4, "done")};
        AtomicInteger polls = new AtomicInteger();
        server.on("GET", ROLLOUT, r -> FakeServer.Response.json(200, steps[Math.min(polls.getAndIncrement(), steps.length - 1)]));
        Result r = nuri("rollout", "status", "portal");
        assertThat(r.code()).as(r.err()).isZero();
        assertThat(r.out()).isEqualTo("""
                Waiting for rollout to finish: 1 out of 4 new replicas have been updated...
                Waiting for rollout to finish: 1 old replicas are pending termination...
                Waiting for rollout to finish: 2 of 4 updated replicas are available...
                app/portal successfully rolled out (revision 3)
                """);
    }

    @Test
    void statusExitsOneWhenTheRolloutFailedOrWasRolledBack() {
        server.on("GET", ROLLOUT, 200, status("RolledBack", 2, 4, 4, 4, 5,
                "rolled back from revision 3 to 2: revision 3 not available after 120 s: 0/4 ready; last: exit code 1"));
        Result r = nuri("rollout", "status", "portal");
        assertThat(r.code()).isEqualTo(1);
        assertThat(r.err()).isEqualTo("error: rollout of app/portal was rolled back: rolled back from revision 3 to 2: "
                + "revision 3 not available after 120 s: 0/4 ready; last: exit code 1\n");

        server.on("GET", ROLLOUT, 200, status("Failed", 1, 2, 2, 0, 2, "revision 1 not available after 120 s: 0/2 ready"));
        assertThat(nuri("rollout", "status", "portal").err()).startsWith("error: rollout of app/portal failed: revision 1");
    }

    @Test
    void statusGivesUpAfterTheTimeout() {
        server.on("GET", ROLLOUT, 200, status("Progressing", 3, 4, 4, 1, 4, "rolling out"));
        Result r = nuri("rollout", "status", "portal", "--timeout", "200ms");
        assertThat(r.code()).isEqualTo(1);
        assertThat(r.out()).isEqualTo("Waiting for rollout to finish: 1 of 4 updated replicas are available...\n");
        assertThat(r.err()).isEqualTo("error: timed out after 200ms waiting for the rollout of app/portal (revision 3) to finish\n");
    }

    @Test
    void statusOfAMissingApp() {
        Result r = nuri("rollout", "status", "ghost");
        assertThat(r.code()).isEqualTo(1);
        assertThat(r.err()).isEqualTo("error: app \"ghost\" not found in namespace \"default\"\n");
    }

    @Test
    void historyListsRevisionsWithTheirCauseAndTheRolloutLog() {
        server.on("GET", ROLLOUT + "/history", 200, """
                {"namespace":"default","name":"portal","current":1,
                 "revisions":[
                   {"revision":1,"createdAt":"%s","hash":"a1b2c3d4e5","artifact":"3f2a1b9c0d1e","cause":"created",
                    "current":true,"instances":2},
                   {"revision":2,"createdAt":"%s","hash":"f6e5d4c3b2","artifact":"3f2a1b9c0d1e",
                    "cause":"env APP_VERSION: v1 -> v2","current":false,"instances":0}],
                 "rollouts":[
                   {"revision":1,"fromRevision":0,"cause":"created","startedAt":"%s","result":"Complete"},
                   {"revision":2,"fromRevision":1,"cause":"env APP_VERSION: v1 -> v2","startedAt":"%s","result":"Failed",
                    "message":"revision 2 not available after 8 s: 0/2 ready; last: exit code 1"},
                   {"revision":1,"fromRevision":2,"cause":"automatic rollback to revision 1","startedAt":"%s",
                    "result":"RolledBack","message":"revision 2 not available after 8 s"}]}
                """.formatted(ago(600), ago(120), ago(600), ago(120), ago(110)));
        Result r = nuri("rollout", "history", "portal");
        assertThat(r.code()).as(r.err()).isZero();
        assertThat(r.out()).isEqualTo("""
                REVISION   CREATED   HASH         ARTIFACT       RUNNING   CAUSE
                1*         10m       a1b2c3d4e5   3f2a1b9c0d1e   2         created
                2          2m        f6e5d4c3b2   3f2a1b9c0d1e   0         env APP_VERSION: v1 -> v2
                * current revision

                STARTED   REVISION   FROM   RESULT       CAUSE
                10m       1          -      Complete     created
                2m        2          1      Failed       env APP_VERSION: v1 -> v2 (revision 2 not available after 8 s: 0/2 ready; last: exit code 1)
                110s      1          2      RolledBack   automatic rollback to revision 1 (revision 2 not available after 8 s)
                """);
    }

    @Test
    void undoSendsTheRevisionOrNothingAndSaysWhatHappened() {
        server.on("POST", ROLLOUT + "/undo", req -> FakeServer.Response.json(200, req.body().contains("toRevision")
                ? "{\"revision\":1,\"fromRevision\":3,\"action\":\"rolled back\"}"
                : "{\"revision\":2,\"fromRevision\":3,\"action\":\"rolled back\"}"));
        Result r = nuri("rollout", "undo", "portal", "--to-revision", "1");
        assertThat(r.code()).as(r.err()).isZero();
        assertThat(r.out()).isEqualTo("app/portal rolled back to revision 1 (was 3)\n");
        assertThat(server.requests.getLast().body()).isEqualTo("{\"toRevision\":1}");
        assertThat(nuri("rollout", "undo", "portal").out()).isEqualTo("app/portal rolled back to revision 2 (was 3)\n");
        assertThat(server.requests.getLast().body()).isEqualTo("{}");

        server.on("POST", ROLLOUT + "/undo", 404, "{\"error\":\"not_found\",\"message\":\"revision 9 of app default/portal not found (kept: 1, 2, 3)\"}");
        Result missing = nuri("rollout", "undo", "portal", "--to-revision", "9");
        assertThat(missing.code()).isEqualTo(1);
        assertThat(missing.err()).isEqualTo("error: revision 9 of app default/portal not found (kept: 1, 2, 3)\n");
    }

    @Test
    void pauseAndResumePost() {
        server.on("POST", ROLLOUT + "/pause", 200, status("Paused", 3, 4, 1, 1, 4, "paused"));
        server.on("POST", ROLLOUT + "/resume", 200, status("Progressing", 3, 4, 1, 1, 4, "resuming"));
        assertThat(nuri("rollout", "pause", "portal").out()).isEqualTo("app/portal paused\n");
        assertThat(nuri("rollout", "resume", "portal").out()).isEqualTo("app/portal resumed\n");
        server.only("POST", ROLLOUT + "/pause");
        server.only("POST", ROLLOUT + "/resume");
        server.on("GET", ROLLOUT, 200, status("Paused", 3, 4, 1, 1, 4, "paused"));
        Result paused = nuri("rollout", "status", "portal");
        assertThat(paused.code()).isEqualTo(1);
        assertThat(paused.err()).isEqualTo("error: rollout of app/portal is paused at revision 3; continue it with: "
                + "nuri rollout resume portal\n");
    }
}
