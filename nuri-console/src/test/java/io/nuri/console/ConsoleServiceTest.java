package io.nuri.console;

import static org.assertj.core.api.Assertions.assertThat;

import com.linecorp.armeria.common.HttpResponse;
import com.linecorp.armeria.server.Server;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse.BodyHandlers;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The console's files over a real Armeria server next to an API-like route, as NuriServer wires it. */
class ConsoleServiceTest {
    static Server server;
    static final HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

    @BeforeAll
    static void start() {
        server = Server.builder().http(0)
                .service("/healthz", (ctx, req) -> HttpResponse.of("ok"))
                .service("/api/v1/apps", (ctx, req) -> HttpResponse.of("[]"))
                .serviceUnder("/", ConsoleService.of())
                .build();
        server.start().join();
    }

    @AfterAll
    static void stop() {
        server.stop().join();
    }

    static java.net.http.HttpResponse<String> get(String path) throws Exception {
        return client.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.activeLocalPort() + path)).build(),
                BodyHandlers.ofString());
    }

    @Test
    void servesThePageAndAssetsWithTheirContentTypesAndRevalidation() throws Exception {
        var index = get("/");
        assertThat(index.statusCode()).isEqualTo(200);
        assertThat(index.headers().firstValue("content-type").orElseThrow()).startsWith("text/html");
        assertThat(index.headers().firstValue("cache-control").orElseThrow()).contains("no-cache");
        assertThat(index.body()).contains("/vendor/echarts.min.js");
        assertThat(get("/app.js").headers().firstValue("content-type").orElseThrow()).contains("javascript");
        assertThat(get("/style.css").headers().firstValue("content-type").orElseThrow()).startsWith("text/css");
        assertThat(get("/i18n/ko.json").headers().firstValue("content-type").orElseThrow()).contains("json");
        var echarts = get("/vendor/echarts.min.js");
        assertThat(echarts.statusCode()).isEqualTo(200);
        assertThat(echarts.body().length()).as("the library from npm is in the jar").isGreaterThan(100_000);
        String etag = get("/app.js").headers().firstValue("etag").orElseThrow();
        var again = client.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.activeLocalPort() + "/app.js"))
                .header("If-None-Match", etag).build(), BodyHandlers.ofString());
        assertThat(again.statusCode()).isEqualTo(304);
    }

    @Test
    void pagePathsGetIndexButApiPathsAndMissingFilesStay404() throws Exception {
        assertThat(get("/apps/default/portal").body()).contains("<title>Nuri</title>");
        assertThat(get("/api/v1/apps").body()).isEqualTo("[]");
        assertThat(get("/healthz").body()).isEqualTo("ok");
        assertThat(get("/api/v1/unknown").statusCode()).isEqualTo(404);
        assertThat(get("/api").statusCode()).isEqualTo(404);
        assertThat(get("/nothing.js").statusCode()).isEqualTo(404);
    }

    @Test
    void koreanAndEnglishHaveTheSameKeys() throws Exception {
        var mapper = new com.fasterxml.jackson.databind.ObjectMapper();
        var ko = mapper.readTree(get("/i18n/ko.json").body());
        var en = mapper.readTree(get("/i18n/en.json").body());
        var koKeys = new java.util.TreeSet<String>();
        ko.fieldNames().forEachRemaining(koKeys::add);
        var enKeys = new java.util.TreeSet<String>();
        en.fieldNames().forEachRemaining(enKeys::add);
        assertThat(koKeys).isEqualTo(enKeys).hasSizeGreaterThan(50);
        // Every key app.js uses through t('...') exists.
        var js = get("/app.js").body();
        var m = java.util.regex.Pattern.compile("t\\('([a-zA-Z0-9.]+)'[,)]").matcher(js);
        while (m.find()) {
            assertThat(koKeys).as("key used in app.js").contains(m.group(1));
        }
    }
}
