package io.nuri.cli;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class AlertsCommandTest extends CliTestSupport {
    static final String FIRING = """
            {"id":"a1","rule":"was-down","severity":"critical","namespace":"default","app":"portal","instance":"portal-1",
             "state":"firing","since":"%s","resolvedAt":null,"summary":"WAS portal-1 terminated","value":1.0}""";
    static final String RESOLVED = """
            {"id":"b2","rule":"slow","severity":"warning","namespace":"default","app":"portal","instance":null,
             "state":"resolved","since":"%s","resolvedAt":"%s","summary":"APDEX of portal is 0.5","value":0.5}""";

    @Test
    void alertsListsTheFiringOnesOfTheNamespace() {
        server.on("GET", "/api/v1/alerts", r -> FakeServer.Response.json(200, "[" + FIRING.formatted(NOW.minusSeconds(90)) + "]"));
        Result r = nuri("alerts");
        assertThat(r.code()).as(r.err()).isZero();
        assertThat(r.out()).isEqualTo("""
                SEVERITY   RULE       APP      INSTANCE   STATE    SINCE   SUMMARY
                critical   was-down   portal   portal-1   firing   90s     WAS portal-1 terminated
                """);
        assertThat(server.only("GET", "/api/v1/alerts").query()).containsEntry("state", "firing").containsEntry("namespace", "default");
    }

    @Test
    void allAsksForEveryStateAndShowsWhenOneResolved() {
        server.on("GET", "/api/v1/alerts", r -> FakeServer.Response.json(200, "[" + FIRING.formatted(NOW.minusSeconds(5)) + ","
                + RESOLVED.formatted(NOW.minusSeconds(600), NOW.minusSeconds(120)) + "]"));
        Result r = nuri("alerts", "--all", "-n", "default");
        assertThat(r.out()).contains("resolved 2m ago").contains("slow").contains("-        ");
        assertThat(server.only("GET", "/api/v1/alerts").query()).containsEntry("state", "all");
    }

    @Test
    void noFiringAlertIsSaidOnStderrAndJsonIsTheApiArray() {
        server.on("GET", "/api/v1/alerts", r -> FakeServer.Response.json(200, "[]"));
        Result r = nuri("alerts");
        assertThat(r.out()).isEmpty();
        assertThat(r.err()).isEqualTo("No firing alerts in default namespace.\n");
        Result json = nuri("alerts", "-o", "json");
        assertThat(json.out().strip()).isEqualTo("[ ]");
    }

    @Test
    void getAlertRulesMarksTheDefaultsAndApplyNamesTheKind() throws Exception {
        server.on("GET", "/api/v1/alertrules", r -> FakeServer.Response.json(200, """
                [{"namespace":"default","name":"was-down","builtIn":false,"app":"portal","metric":"instanceDown",
                  "condition":"> 0","forSeconds":0,"severity":"critical","webhooks":[{"url":"http://127.0.0.1:1/h"}]},
                 {"namespace":"default","name":"low-apdex","builtIn":true,"app":null,"metric":"apdex",
                  "condition":"< 0.7","forSeconds":60,"severity":"warning","webhooks":[]}]"""));
        Result r = nuri("get", "alertrules");
        assertThat(r.out()).isEqualTo("""
                NAME                  APP      CONDITION          FOR   SEVERITY   WEBHOOKS
                was-down              portal   instanceDown > 0   0s    critical   1
                low-apdex (default)   *        apdex < 0.7        60s   warning    0
                """);

        server.on("POST", "/api/v1/apply", q -> FakeServer.Response.json(200, """
                {"results":[{"namespace":"default","name":"portal","action":"created","revision":1},
                            {"kind":"AlertRule","namespace":"default","name":"was-down","action":"unchanged"}]}"""));
        java.nio.file.Path f = java.nio.file.Files.writeString(dataDir.resolve("both.yaml"), "kind: App\n");
        Result applied = nuri("apply", "-f", f.toString());
        assertThat(applied.out()).isEqualTo("app/portal created\nalertrule/was-down unchanged\n");
    }
}
