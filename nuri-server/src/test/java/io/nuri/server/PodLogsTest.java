package io.nuri.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.nuri.alerts.AlertRuleService;
import io.nuri.api.codec.Json;
import io.nuri.api.model.Instance;
import io.nuri.api.model.InstanceState;
import io.nuri.control.AppService;
import io.nuri.control.ArtifactStore;
import io.nuri.runtime.process.LogSearch;
import io.nuri.store.SqliteStore;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.util.List;
import java.util.NoSuchElementException;
import java.util.Optional;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import java.util.stream.StreamSupport;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Log search with the Kubernetes driver: pod logs served by fabric8's mock API server (expectations
 * for the kubelet's log endpoint), searched through {@link LogSearchApi} as the server does.
 */
@EnableKubernetesMockClient(https = false)
class PodLogsTest {
    private static final String T = "2026-11-25T08:00:";
    private static final String LOG = "/api/v1/namespaces/agency/pods/%s/log?pretty=false&container=portal%s&tailLines="
            + PodLogs.SEARCH_TAIL_LINES + "&timestamps=true";

    KubernetesMockServer server;
    KubernetesClient client;

    @TempDir
    Path tmp;

    SqliteStore store;
    LogSearchApi api;

    @BeforeEach
    void setUp() throws Exception {
        store = SqliteStore.open(tmp.resolve("data"));
        AppService apps = new AppService(store, new ArtifactStore(tmp.resolve("artifacts")), Clock.systemUTC());
        Path jar = Files.writeString(tmp.resolve("portal.jar"), "not really a jar");
        KindRouter.apply(apps, new AlertRuleService(store), "portal.yaml", """
                apiVersion: nuri.io/v1
                kind: App
                metadata: {name: portal}
                spec: {run: {jar: %s}}
                """.formatted(jar), tmp, false);
        // portal-a restarted once (its previous container's log is read too), portal-b runs revision 2
        store.write(tx -> {
            tx.putInstance(pod("portal-a", 1, 1));
            tx.putInstance(pod("portal-b", 2, 0));
            return null;
        });
        PodLogs logs = new PodLogs(store, client, ns -> "agency");
        api = new LogSearchApi(store, logs, tmp.resolve("data/logs"), null, AccessLog.DEFAULT_KEPT, () -> Instant.parse(T + "30Z").toEpochMilli());
        serve("portal-a", "", T + "10.000000001Z GET /orders 200\n" + T + "20.5Z ERROR db timeout\n");
        serve("portal-a", "&previous=true", T + "01Z starting\n" + T + "02.25Z ERROR boom before the restart\n");
        serve("portal-b", "", T + "15Z GET /orders 500\n" + T + "25Z ERROR pool exhausted\n");
    }

    private static Instance pod(String name, int revision, int restarts) {
        return new Instance.Builder().id(name).namespace("default").app("portal").revision(revision)
                .state(InstanceState.Ready).restarts(restarts).reason("pod Running").createdAt(Instant.now()).build();
    }

    /** The same body with and without the {@code sinceTime} a time range adds (the range is checked again here). */
    private void serve(String pod, String previous, String body) {
        server.expect().get().withPath(LOG.formatted(pod, previous)).andReturn(200, body).always();
        server.expect().get().withPath(LOG.formatted(pod, previous + "&sinceTime=2026-11-25T08:00:12Z"))
                .andReturn(200, body).always();
    }

    @AfterEach
    void tearDown() {
        store.close();
    }

    private JsonNode search(String q, String regex, String since, String until, String instance, Integer revision,
            long maxBytes) throws Exception {
        var response = api.search("default", "portal", Optional.ofNullable(q), Optional.ofNullable(regex),
                Optional.ofNullable(since), Optional.ofNullable(until), Optional.ofNullable(instance),
                Optional.ofNullable(revision), "app", 200, Optional.of(maxBytes));
        return Json.MAPPER.readTree(response.aggregate().join().contentUtf8());
    }

    private static List<String> lines(JsonNode r) {
        return StreamSupport.stream(r.path("lines").spliterator(), false)
                .map(l -> l.path("instance").asText() + "@" + l.path("revision").asInt() + " " + l.path("time").asText()
                        + " " + l.path("line").asText())
                .toList();
    }

    @Test
    void substringFindsEveryPodsLinesAndThePreviousContainersNewestFirstWithTheKubeletsTimes() throws Exception {
        JsonNode r = search("ERROR", null, null, null, null, null, 1 << 20);
        assertThat(lines(r)).containsExactly(
                "portal-b@2 2026-11-25T08:00:25Z ERROR pool exhausted",
                "portal-a@1 2026-11-25T08:00:20.500Z ERROR db timeout",
                "portal-a@1 2026-11-25T08:00:02.250Z ERROR boom before the restart");
        assertThat(r.path("truncated").asBoolean()).isFalse();
        assertThat(r.path("bytesScanned").asLong()).isPositive();
    }

    @Test
    void regexTimeRangeInstanceAndRevisionFilter() throws Exception {
        assertThat(lines(search(null, "GET /orders 5\\d\\d", null, null, null, null, 1 << 20)))
                .containsExactly("portal-b@2 2026-11-25T08:00:15Z GET /orders 500");
        assertThat(lines(search(null, null, T + "12Z", T + "22Z", null, null, 1 << 20))).containsExactly(
                "portal-a@1 2026-11-25T08:00:20.500Z ERROR db timeout",
                "portal-b@2 2026-11-25T08:00:15Z GET /orders 500");
        assertThat(lines(search("GET", null, null, null, "portal-a", null, 1 << 20)))
                .containsExactly("portal-a@1 2026-11-25T08:00:10Z GET /orders 200");
        assertThat(lines(search("ERROR", null, null, null, null, 2, 1 << 20)))
                .containsExactly("portal-b@2 2026-11-25T08:00:25Z ERROR pool exhausted");
        assertThatThrownBy(() -> search("ERROR", null, null, null, "portal-a", 2, 1 << 20))
                .isInstanceOf(NoSuchElementException.class).hasMessageContaining("portal-a").hasMessageContaining("revision 2");
    }

    @Test
    void badRegexAndTheAccessLogAreRefusedSayingWhy() {
        assertThatThrownBy(() -> search(null, "GET (/orders", null, null, null, null, 1 << 20))
                .isInstanceOf(IllegalArgumentException.class).hasMessageStartingWith("regex: Unclosed group");
        assertThatThrownBy(() -> api.search("default", "portal", Optional.of("GET"), Optional.empty(), Optional.empty(),
                Optional.empty(), Optional.empty(), Optional.empty(), "access", 200, Optional.empty()))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("access log lives with the gateway")
                .hasMessageContaining("ingress");
    }

    @Test
    void theByteBudgetAndTheTailBoundCutTheSearchAsTruncated() throws Exception {
        // 120 bytes for two pods, 60 each: the first line of each (47 and 37 bytes with the stamp), not the second;
        // portal-a's share is spent on its running container, so its previous one is not read
        JsonNode cut = search(null, null, null, null, null, null, 120);
        assertThat(cut.path("truncated").asBoolean()).isTrue();
        assertThat(cut.path("bytesScanned").asLong()).isEqualTo(120);
        assertThat(lines(cut)).containsExactly("portal-b@2 2026-11-25T08:00:15Z GET /orders 500",
                "portal-a@1 2026-11-25T08:00:10Z GET /orders 200");

        // a pod that returns the whole tail may have older lines: truncated
        String tail = IntStream.range(0, PodLogs.SEARCH_TAIL_LINES).mapToObj(i -> T + "40Z line " + i + "\n")
                .collect(Collectors.joining());
        server.expect().get().withPath(LOG.formatted("portal-c", "")).andReturn(200, tail).always();
        store.write(tx -> {
            tx.putInstance(pod("portal-c", 2, 0));
            return null;
        });
        JsonNode full = search("line 9999", null, null, null, "portal-c", null, 1 << 20);
        assertThat(lines(full)).containsExactly("portal-c@2 2026-11-25T08:00:40Z line 9999");
        assertThat(full.path("truncated").asBoolean()).isTrue();
    }

    @Test
    void aDeletedOrStartingPodHasNoLinesAndLogSearchFindsTheRest() throws Exception {
        store.write(tx -> {
            tx.putInstance(pod("portal-gone", 2, 0)); // not on the cluster any more: 404
            tx.putInstance(pod("portal-pending", 2, 0));
            return null;
        });
        server.expect().get().withPath(LOG.formatted("portal-pending", "")).andReturn(400, """
                {"kind":"Status","apiVersion":"v1","status":"Failure","reason":"BadRequest","code":400,
                 "message":"container \\"portal\\" in pod \\"portal-pending\\" is waiting to start: ContainerCreating"}
                """).always();
        assertThat(lines(search("pool", null, null, null, null, null, 1 << 20)))
                .containsExactly("portal-b@2 2026-11-25T08:00:25Z ERROR pool exhausted");
        LogSearch.Result none = LogSearch.search(new PodLogs(store, client, ns -> "agency").searchSources("default", "portal")
                .stream().filter(l -> List.of("portal-gone", "portal-pending").contains(l.instance())).toList(),
                new LogSearch.Query(l -> true, Long.MIN_VALUE, Long.MAX_VALUE, 10, 1000));
        assertThat(none.hits()).isEmpty();
        assertThat(none.truncated()).isFalse();
    }

    @Test
    void followReadsThePodsNewLinesUntilClosed() throws Exception {
        server.expect().get().withPath("/api/v1/namespaces/agency/pods/portal-b/log?pretty=false&container=portal"
                + "&tailLines=0&follow=true").andReturn(200, "one\ntwo\n").always();
        List<String> seen = new java.util.concurrent.CopyOnWriteArrayList<>();
        try (AutoCloseable follow = new PodLogs(store, client, ns -> "agency").follow("portal-b", seen::add)) {
            org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(20))
                    .untilAsserted(() -> assertThat(seen).containsExactly("one", "two"));
        }
    }
}
