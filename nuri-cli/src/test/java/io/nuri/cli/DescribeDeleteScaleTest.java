package io.nuri.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class DescribeDeleteScaleTest extends CliTestSupport {
    private static final String APP = "/api/v1/namespaces/default/apps/portal";

    private void portal() {
        server.on("GET", APP, 200, appStatus("default", "portal", 2, 1, 3, 600));
        server.on("GET", APP + "/instances", 200, "[" + instance("default", "portal", "portal-3-a1b2", "Ready", 4242, 40001, 1, 300) + "]");
        server.on("GET", APP + "/endpoints", 200, "[{\"instanceId\":\"portal-3-a1b2\",\"namespace\":\"default\",\"app\":\"portal\",\"revision\":3,\"host\":\"127.0.0.1\",\"port\":40001,\"weight\":100}]");
    }

    @Test
    void describeShowsSpecReplicasInstancesAndEvents() {
        portal();
        server.on("GET", "/api/v1/events", 200, "[" + event(7, "portal", null, "Normal", "Scaled", "scaled 1->2", 400) + ","
                + event(9, "portal", "portal-3-a1b2", "Warning", "Restarted", "portal-3-a1b2 restarted: exit code 137", 90) + "]");
        Result r = nuri("describe", "app", "portal");
        assertThat(r.code()).as(r.err()).isZero();
        assertThat(r.out()).contains(
                "Name:         portal\n",
                "Namespace:    default\n",
                "Labels:       team=portal,tier=web\n",
                "Revision:     3\n",
                "Replicas:     2 desired | 1 ready | 2 live\n",
                "  Jar:            /srv/apps/portal.jar\n",
                "  Java Opts:      -XX:TieredStopAtLevel=1 -Xss512k\n",
                "  Port:           8080\n",
                "  APP_VERSION:   v1\n",
                "  Readiness:    http-get /health delay=0s timeout=1s period=1s #success=1 #failure=3\n",
                "  Liveness:     tcp-socket delay=5s timeout=0.5s period=2s #success=1 #failure=3\n",
                "  Startup:      <none>\n",
                "  CPU:          500m\n",
                "  Memory:       256Mi\n",
                "  uploads (path in $NURI_VOLUME_UPLOADS)\n",
                "Endpoints:\n  127.0.0.1:40001  portal-3-a1b2 (revision 3, ready ",
                "  ID              APP      REV   STATE   RESTARTS   PID    PORT    AGE\n",
                "  portal-3-a1b2   portal   3     Ready   1          4242   40001   5m\n",
                "  AGE     TYPE      REASON      OBJECT                   MESSAGE\n",
                "  6m40s   Normal    Scaled      app/portal               scaled 1->2\n",
                "  90s     Warning   Restarted   instance/portal-3-a1b2   portal-3-a1b2 restarted: exit code 137\n",
                "  Restart Policy: Always\n");
        FakeServer.Request events = server.only("GET", "/api/v1/events");
        assertThat(events.query()).containsEntry("namespace", "default").containsEntry("app", "portal");
    }

    @Test
    void describeMasksSecretEnvValues() {
        portal();
        server.on("GET", "/api/v1/events", 200, "[]");
        Result r = nuri("describe", "app", "portal");
        assertThat(r.out()).contains("Environment:\n"
                + "  API_KEY:       ********\n"
                + "  APP_VERSION:   v1\n"
                + "  DB_PASSWORD:   ********\n"
                + "  client_secret: ********\n"
                + "  github_token:  ********\n"
                + "Probes:\n");
        assertThat(r.out()).doesNotContain("hunter2", "k-123", "ghp_abc", "shh");
    }

    @Test
    void describeKeepsOnlyTheLast20Events() {
        portal();
        StringBuilder all = new StringBuilder("[");
        for (int i = 1; i <= 30; i++) {
            all.append(i == 1 ? "" : ",").append(event(i, "portal", null, "Normal", "Step", "step " + i, 1000 - i));
        }
        String events = all.append("]").toString();
        server.on("GET", "/api/v1/events", 200, events);
        Result r = nuri("describe", "app", "portal");
        assertThat(r.out()).contains("step 11\n", "step 30\n").doesNotContain("step 10\n");
    }

    @Test
    void describeOfAMissingApp() {
        Result r = nuri("describe", "app", "ghost", "-n", "tax");
        assertThat(r.code()).isEqualTo(1);
        assertThat(r.err()).isEqualTo("error: app \"ghost\" not found in namespace \"tax\"\n");
    }

    @Test
    void deleteSendsDeleteAndSaysDeleted() {
        server.on("DELETE", APP, 202, appStatus("default", "portal", 2, 1, 3, 600).replace("\"deleting\":false", "\"deleting\":true"));
        Result r = nuri("delete", "app", "portal");
        assertThat(r.code()).as(r.err()).isZero();
        assertThat(r.out()).isEqualTo("app/portal deleted\n");
        server.only("DELETE", APP);
    }

    @Test
    void deleteWaitPollsUntilTheAppIsGone() {
        server.on("DELETE", APP, 202, "{}");
        AtomicInteger polls = new AtomicInteger();
        server.on("GET", APP, r -> polls.incrementAndGet() < 3
                ? FakeServer.Response.json(200, appStatus("default", "portal", 2, 1, 3, 600))
                : FakeServer.Response.json(404, "{\"error\":\"not_found\",\"message\":\"no app\"}"));
        Result r = nuri("delete", "app", "portal", "--wait");
        assertThat(r.code()).as(r.err()).isZero();
        assertThat(polls).hasValue(3);
    }

    @Test
    void deleteWaitTimesOut() {
        server.on("DELETE", APP, 202, "{}");
        server.on("GET", APP, 200, appStatus("default", "portal", 2, 1, 3, 600));
        Result r = nuri("delete", "app", "portal", "--wait", "--timeout", "200ms");
        assertThat(r.code()).isEqualTo(1);
        assertThat(r.err()).startsWith("error: timed out after 200ms waiting for app/portal to be gone");
    }

    @Test
    void deleteOfAMissingApp() {
        Result r = nuri("delete", "app", "ghost");
        assertThat(r.code()).isEqualTo(1);
        assertThat(r.err()).isEqualTo("error: app \"ghost\" not found in namespace \"default\"\n");
    }

    @Test
    void scalePutsTheReplicas() {
        server.on("PUT", APP + "/scale", 200, appStatus("default", "portal", 4, 1, 3, 600));
        Result r = nuri("scale", "app", "portal", "--replicas", "4");
        assertThat(r.code()).as(r.err()).isZero();
        assertThat(r.out()).isEqualTo("app/portal scaled to 4\n");
        FakeServer.Request req = server.only("PUT", APP + "/scale");
        assertThat(req.body()).isEqualTo("{\"replicas\":4}");
        assertThat(req.header("Content-Type")).isEqualTo("application/json");
    }
}
