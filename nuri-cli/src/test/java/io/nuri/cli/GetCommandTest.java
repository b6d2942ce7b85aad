package io.nuri.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.nuri.api.codec.Json;
import io.nuri.api.model.AppStatus;
import io.nuri.api.model.Instance;
import io.nuri.api.model.InstanceState;
import java.util.List;
import org.junit.jupiter.api.Test;

class GetCommandTest extends CliTestSupport {
    private void twoApps() {
        String portal = appStatus("default", "portal", 2, 1, 3, 200);
        String inDefault = "[" + portal + "," + appStatus("default", "api-gateway", 10, 10, 12, 3 * 86400) + "]";
        String inAll = "[" + portal + "," + appStatus("tax", "filing", 1, 0, 1, 45) + "]";
        server.on("GET", "/api/v1/apps", r -> FakeServer.Response.json(200, r.query().containsKey("namespace") ? inDefault : inAll));
    }

    @Test
    void getAppsPrintsAnAlignedTableSortedByName() {
        twoApps();
        Result r = nuri("get", "apps");
        assertThat(r.code()).as(r.err()).isZero();
        assertThat(r.out()).isEqualTo("""
                NAME          READY   REVISION   AGE
                api-gateway   10/10   12         3d
                portal        1/2     3          3m20s
                """);
        assertThat(server.only("GET", "/api/v1/apps").query()).containsEntry("namespace", "default");
    }

    @Test
    void allNamespacesAddsTheColumnAndAsksWithoutNamespace() {
        twoApps();
        Result r = nuri("get", "apps", "-A");
        assertThat(r.out()).isEqualTo("""
                NAMESPACE   NAME     READY   REVISION   AGE
                default     portal   1/2     3          3m20s
                tax         filing   0/1     1          45s
                """);
        assertThat(server.only("GET", "/api/v1/apps").query()).doesNotContainKey("namespace");
    }

    @Test
    void wideAddsLiveGenerationAndDeleting() {
        twoApps();
        Result r = nuri("get", "apps", "-o", "wide");
        assertThat(r.out().lines().findFirst()).contains("NAME          READY   REVISION   AGE     LIVE   GENERATION   DELETING");
        assertThat(r.out()).contains("portal        1/2     3          3m20s   2      4            false");
    }

    @Test
    void jsonIsTheApiArrayAsItCameAndBindsToTheModel() throws Exception {
        twoApps();
        Result r = nuri("get", "apps", "-o", "json");
        assertThat(r.code()).isZero();
        JsonNode printed = Json.MAPPER.readTree(r.out());
        JsonNode served = Json.MAPPER.readTree("[" + appStatus("default", "portal", 2, 1, 3, 200) + ","
                + appStatus("default", "api-gateway", 10, 10, 12, 3 * 86400) + "]");
        assertThat(printed.size()).isEqualTo(2);
        assertThat(printed.get(0).get("name").asText()).isEqualTo("portal");
        assertThat(printed.get(0).get("spec")).isEqualTo(served.get(0).get("spec"));
        for (String field : List.of("name", "namespace", "replicas", "readyReplicas", "revision")) {
            assertThat(printed.get(1).has(field)).as(field).isTrue();
        }
        AppStatus[] bound = Json.MAPPER.readValue(r.out(), AppStatus[].class);
        assertThat(bound[0].readyReplicas()).isEqualTo(1);
        assertThat(bound[0].spec().spec().env()).containsEntry("APP_VERSION", "v1");
        assertThat(r.out()).startsWith("[\n  {\n    \"name\": \"portal\",");
    }

    @Test
    void yamlIsTheSameTreeInYaml() throws Exception {
        twoApps();
        Result r = nuri("get", "apps", "-o", "yaml");
        assertThat(r.out()).startsWith("- name: portal\n  namespace: default\n");
        assertThat(Json.YAML.readTree(r.out())).isEqualTo(Json.MAPPER.readTree(nuri("get", "apps", "-o", "json").out()));
    }

    @Test
    void noAppsSaysSoOnStderr() {
        server.on("GET", "/api/v1/apps", 200, "[]");
        Result r = nuri("-n", "tax", "get", "apps");
        assertThat(r.code()).isZero();
        assertThat(r.out()).isEmpty();
        assertThat(r.err()).isEqualTo("No apps found in tax namespace.\n");
        assertThat(nuri("get", "apps", "-o", "json").out()).isEqualTo("[ ]\n");
    }

    private void instances() {
        String list = "[" + instance("default", "portal", "portal-3-a1b2", "Ready", 4242, 40001, 0, 600) + ","
                + instance("default", "portal", "portal-3-c3d4", "Starting", 0, 0, 2, 30) + "]";
        server.on("GET", "/api/v1/instances", 200, list);
        server.on("GET", "/api/v1/namespaces/default/apps/portal/instances", 200, list);
    }

    @Test
    void getInstancesOfTheNamespace() {
        instances();
        Result r = nuri("get", "instances");
        assertThat(r.code()).as(r.err()).isZero();
        assertThat(r.out()).isEqualTo("""
                ID              APP      REV   STATE      RESTARTS   PID    PORT    AGE
                portal-3-a1b2   portal   3     Ready      0          4242   40001   10m
                portal-3-c3d4   portal   3     Starting   2          -      -       30s
                """);
        assertThat(server.only("GET", "/api/v1/instances").query()).containsEntry("namespace", "default");
    }

    @Test
    void getInstancesOfOneAppUsesTheAppPath() {
        instances();
        Result r = nuri("get", "instances", "portal", "-o", "wide");
        assertThat(r.code()).as(r.err()).isZero();
        server.only("GET", "/api/v1/namespaces/default/apps/portal/instances");
        assertThat(r.out().lines().findFirst()).contains(
                "ID              APP      REV   STATE      RESTARTS   PID    PORT    AGE   NAMESPACE   READY-SINCE   LAST-EXIT   REASON");
        assertThat(r.out()).contains("   default     9m55s         137         liveness probe failed");
    }

    @Test
    void instancesJsonBindsToTheModel() throws Exception {
        instances();
        Result r = nuri("get", "instances", "-o", "json");
        Instance[] bound = Json.MAPPER.readValue(r.out(), Instance[].class);
        assertThat(bound).extracting(Instance::id, Instance::state, Instance::pid, Instance::port, Instance::restarts)
                .containsExactly(org.assertj.core.groups.Tuple.tuple("portal-3-a1b2", InstanceState.Ready, 4242L, 40001, 0),
                        org.assertj.core.groups.Tuple.tuple("portal-3-c3d4", InstanceState.Starting, 0L, 0, 2));
        for (String field : List.of("id", "app", "namespace", "revision", "state", "pid", "port", "restarts")) {
            assertThat(Json.MAPPER.readTree(r.out()).get(0).has(field)).as(field).isTrue();
        }
    }

    @Test
    void instancesOfAnUnknownApp() {
        Result r = nuri("get", "instances", "nope", "-n", "tax");
        assertThat(r.code()).isEqualTo(1);
        assertThat(r.err()).isEqualTo("error: app \"nope\" not found in namespace \"tax\"\n");
    }

    @Test
    void getRevisions() {
        server.on("GET", "/api/v1/namespaces/default/apps/portal/revisions", 200, """
                [{"namespace":"default","app":"portal","number":1,"hash":"7f3a9c","createdAt":"%s"},
                 {"namespace":"default","app":"portal","number":2,"hash":"b41d07","createdAt":"%s"}]
                """.formatted(ago(7200), ago(90)));
        Result r = nuri("get", "revisions", "portal");
        assertThat(r.out()).isEqualTo("""
                NUMBER   HASH     CREATED
                1        7f3a9c   120m
                2        b41d07   90s
                """);
    }
}
