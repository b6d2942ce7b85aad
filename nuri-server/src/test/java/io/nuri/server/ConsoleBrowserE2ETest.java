package io.nuri.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.microsoft.playwright.Browser;
import com.microsoft.playwright.BrowserContext;
import com.microsoft.playwright.BrowserType;
import com.microsoft.playwright.Locator;
import com.microsoft.playwright.Page;
import com.microsoft.playwright.Playwright;
import com.microsoft.playwright.options.BoundingBox;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;

/**
 * The web console in Debian's Chromium (Playwright, headless) against a real server running the
 * example apps. Screenshots go to target/screenshots (docs/screenshots/ holds copies).
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ConsoleBrowserE2ETest {
    static final Path EXAMPLES = ServerProcess.SAMPLE_JAR.getParent().getParent().getParent();
    static final Path SHOTS = Path.of("target", "screenshots");
    static final double TIMEOUT_MS = 60_000;

    @TempDir
    static Path tmp;

    static ServerProcess server;
    static Playwright playwright;
    static Browser browser;
    BrowserContext context;
    Page page;

    @BeforeAll
    static void start() throws IOException {
        server = ServerProcess.start(tmp.resolve("data"));
        for (String app : List.of("portal.yaml", "ticker.yaml")) {
            ServerProcess.CliResult r = server.nuri("apply", "-f", EXAMPLES.resolve(app).toString());
            assertThat(r.code()).as("apply %s: %s", app, r).isZero();
        }
        await("portal ready").atMost(Duration.ofSeconds(90)).until(() -> server.readyInstances("portal").size() == 2);
        playwright = Playwright.create(new Playwright.CreateOptions()
                .setEnv(Map.of("PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD", "1")));
        browser = playwright.chromium().launch(new BrowserType.LaunchOptions()
                .setExecutablePath(Path.of("/usr/bin/chromium")).setHeadless(true)
                .setArgs(List.of("--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking")));
        Files.createDirectories(SHOTS);
    }

    @AfterAll
    static void stop() {
        try {
            if (browser != null) {
                browser.close();
            }
            if (playwright != null) {
                playwright.close(); // ends the driver process and the browser
            }
        } finally {
            if (server != null) {
                server.close();
            }
        }
    }

    @BeforeEach
    void newPage() {
        context = browser.newContext(new Browser.NewContextOptions().setLocale("ko-KR")
                .setViewportSize(1400, 1000));
        context.setDefaultTimeout(TIMEOUT_MS);
        page = context.newPage();
    }

    @AfterEach
    void closePage() {
        context.close();
    }

    void loginWithFragment() {
        page.navigate(server.url() + "/#token=" + server.token());
        page.locator("#overview table").waitFor();
    }

    @Test
    @Order(1)
    void theLoginFormAcceptsTheTokenAndTheOverviewListsTheExampleApps() {
        page.navigate(server.url() + "/");
        page.locator("#token").fill("wrong-token");
        page.locator("#login-submit").click();
        await("refused").atMost(Duration.ofSeconds(10)).until(() -> !page.locator("#login-error").textContent().isBlank());

        page.locator("#token").fill(server.token());
        page.locator("#login-submit").click();
        Locator portal = page.locator("tr[data-app=portal]");
        portal.waitFor();
        assertThat(page.locator("tr[data-app=ticker]").count()).isOne();
        await().atMost(Duration.ofSeconds(30)).until(() -> portal.locator("td").nth(2).textContent().equals("2/2"));
        assertThat(portal.getAttribute("class")).contains("state-ok");
        // Korean by default for a browser that prefers ko.
        assertThat(page.locator("#nav a").first().textContent()).isEqualTo("개요");
        page.screenshot(new Page.ScreenshotOptions().setPath(SHOTS.resolve("console-overview-ko.png")));
    }

    @Test
    @Order(2)
    void thePageIsPublicButTheApiStillNeedsTheTokenAndConsoleRoutesDoNotShadowIt() {
        assertThat(server.http("GET", "/", null, null).status()).isEqualTo(200);
        assertThat(server.http("GET", "/app.js", null, null).body()).contains("Bearer");
        assertThat(server.http("GET", "/apps/default/portal", null, null).body()).contains("<title>Nuri</title>");
        assertThat(server.http("GET", "/api/v1/apps", null, null).status()).isEqualTo(401);
        assertThat(server.http("GET", "/api/v1/nope", null, server.token()).status()).isEqualTo(404);
        assertThat(server.http("GET", "/healthz", null, null).body()).isEqualTo("ok");
        assertThat(server.http("GET", "/readyz", null, null).body()).isEqualTo("ok");
        assertThat(server.http("GET", "/missing.js", null, null).status()).isEqualTo(404);
    }

    @Test
    @Order(3)
    void tpsRisesWhileTrafficFlowsAndAHeatmapSelectionListsItsTransactions() throws Exception {
        Assumptions.assumeTrue(server.http("GET", "/api/v1/apm/apps", null, server.token()).status() == 200,
                "the APM API (branch apm) is not in this build");
        loginWithFragment();
        page.navigate(server.url() + "/#/app/default/portal");
        AtomicLong ok = new AtomicLong();
        try (GatewayClients load = new GatewayClients(server.gatewayUrl() + "/work?ms=20", 4,
                r -> ok.incrementAndGet(), e -> { })) {
            await("TPS shown above 1").atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(500)).until(() -> {
                String v = page.locator("#kpi-tps").textContent().trim();
                return !v.equals("—") && Double.parseDouble(v) > 1;
            });
            Thread.sleep(6000); // a few seconds of heatmap columns
            // The in-flight equalizer: three bars, all requests of 20 ms in the "< 3 s" one.
            assertThat(page.locator("#kpi-ages .eq-col").count()).isEqualTo(3);
            assertThat(page.locator("#eq-n-from3to8s").textContent().trim()).isEqualTo("0");
            assertThat(page.locator("#eq-n-over8s").textContent().trim()).isEqualTo("0");
            // Per route and per instance over the same 10 s: portal's one route, its two instances.
            assertThat(page.locator("#routes tbody tr").count()).isEqualTo(1);
            assertThat(page.locator("#by-instance tbody tr").count()).isEqualTo(2);
            page.screenshot(new Page.ScreenshotOptions().setPath(SHOTS.resolve("console-dashboard.png")).setFullPage(true));
        }
        assertThat(ok.get()).isPositive();
        // Drag a rectangle over the whole plot area: every bucket of the last minutes.
        page.locator(".chart.tall canvas").first().waitFor();
        page.evaluate("() => { const c = echarts.getInstanceByDom(document.querySelector('.chart.tall'));"
                + " c.dispatchAction({type: 'takeGlobalCursor', key: 'brush', brushOption: {brushType: 'rect'}}); }");
        BoundingBox box = page.locator(".chart.tall").boundingBox();
        page.mouse().move(box.x + 62, box.y + 42);
        page.mouse().down();
        page.mouse().move(box.x + box.width - 18, box.y + box.height - 52, new com.microsoft.playwright.Mouse.MoveOptions().setSteps(10));
        page.mouse().up();
        page.locator("#transactions tr.tx-row").first().waitFor();
        assertThat(page.locator("#transactions tr.tx-row").first().textContent()).contains("/work");
    }

    @Test
    @Order(4)
    void scalingAnAppFromTheDashboardShowsTheNewInstanceAndTheResultingEvents() {
        loginWithFragment();
        page.navigate(server.url() + "/#/app/default/portal");
        page.locator("#instances table").waitFor();
        await().atMost(Duration.ofSeconds(30)).until(() -> page.locator("#instances tr[data-instance]").count() == 2);
        page.locator("#replicas").fill("3");
        page.locator("#do-scale").click();
        assertThat(page.locator("#confirm-text").textContent()).contains("portal").contains("3");
        page.locator("#confirm-yes").click();
        page.locator("#action-events li").first().waitFor();
        assertThat(page.locator("#action-events").textContent()).contains("Scaled");
        await("third instance Ready").atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofMillis(500))
                .until(() -> page.locator("#instances tr[data-instance].state-ok").count() == 3);
        assertThat(server.readyInstances("portal")).hasSize(3);
        page.screenshot(new Page.ScreenshotOptions().setPath(SHOTS.resolve("console-app-scaled.png")).setFullPage(true));
    }

    @Test
    @Order(5)
    void restartingAnInstanceReplacesIt() {
        var before = server.readyInstances("portal");
        String id = before.getFirst().get("id").asText();
        assertThat(server.http("POST", "/api/v1/namespaces/default/apps/portal/instances/nope/restart", "", server.token())
                .status()).isEqualTo(404);
        loginWithFragment();
        page.navigate(server.url() + "/#/app/default/portal");
        page.locator("#instances tr[data-instance=\"" + id + "\"] .restart-btn").click();
        page.locator("#confirm-yes").click();
        await("replaced").atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofMillis(500)).until(() -> {
            var now = server.readyInstances("portal");
            return now.size() == before.size() && now.stream().noneMatch(i -> i.get("id").asText().equals(id));
        });
        assertThat(server.events("portal")).anyMatch(e -> e.get("message").asText().contains("restart requested by an operator"));
    }

    @Test
    @Order(6)
    void theChecklistCountsTheYesAnswersAndRecommendsAtSix() {
        loginWithFragment();
        page.navigate(server.url() + "/#/diagnosis");
        page.locator("#questions[data-evidence=loaded]").waitFor();
        assertThat(page.locator("#questions .evidence").count()).as("evidence for Q2, Q3, Q9, Q10").isGreaterThanOrEqualTo(3);
        for (int q = 1; q <= 10; q++) {
            page.locator("#q" + q + "-" + (q <= 5 ? "yes" : "no")).check();
        }
        assertThat(page.locator("#diag-score").textContent()).contains("5 / 10");
        assertThat(page.locator("#diag-rec").getAttribute("class")).isEqualTo("muted");
        page.locator("#q6-yes").check();
        assertThat(page.locator("#diag-score").textContent()).contains("6 / 10");
        assertThat(page.locator("#diag-rec").textContent()).isEqualTo("클라우드 네이티브 도입을 권장합니다");
        page.screenshot(new Page.ScreenshotOptions().setPath(SHOTS.resolve("console-diagnosis.png")).setFullPage(true));
    }

    @Test
    @Order(7)
    void instanceLogsFollowNewLinesAndFilterBySearch() {
        loginWithFragment();
        page.navigate(server.url() + "/#/instances");
        page.locator("#instances tr[data-instance^=ticker] .logs-btn").click();
        page.locator("#log-follow").check();
        await("follow shows new ticks").atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(500)).until(() -> {
            String text = page.locator("#logs").textContent();
            return text.lines().filter(l -> l.startsWith("tick ")).count() >= 2;
        });
        long before = page.locator("#logs").textContent().lines().count();
        await("a later tick arrives").atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(500))
                .until(() -> page.locator("#logs").textContent().lines().count() > before);
        page.locator("#log-search").fill("no-such-text");
        assertThat(page.locator("#logs").textContent()).isEmpty();
        page.locator("#log-search").fill("tick");
        assertThat(page.locator("#logs").textContent()).contains("tick ");
        // The server's search over the log files: lines with their time, then a bad regex named
        page.locator("#log-search-btn").click();
        await("search finds ticks").atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(300))
                .until(() -> !page.locator("#log-search-note").textContent().isEmpty());
        assertThat(page.locator("#log-follow").isChecked()).isFalse();
        assertThat(page.locator("#logs").textContent().lines().toList()).isNotEmpty()
                .allSatisfy(l -> assertThat(l).contains("tick "));
        page.locator("#log-regex").check();
        page.locator("#log-search").fill("tick (");
        page.locator("#log-search-btn").click();
        await("bad regex reported").atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(300))
                .until(() -> page.locator("#log-search-note").textContent().startsWith("regex:"));
    }

    @Test
    @Order(8)
    void theLanguageSwitchTurnsThePageEnglishAndBackToKorean() {
        loginWithFragment();
        page.locator("#lang").selectOption("en");
        await().atMost(Duration.ofSeconds(10)).until(() -> page.locator("#nav a").first().textContent().equals("Overview"));
        assertThat(page.locator("#overview th").first().textContent()).isEqualTo("App");
        page.screenshot(new Page.ScreenshotOptions().setPath(SHOTS.resolve("console-overview-en.png")));
        page.locator("#lang").selectOption("ko");
        await().atMost(Duration.ofSeconds(10)).until(() -> page.locator("#nav a").first().textContent().equals("개요"));
        assertThat(page.locator("#overview th").first().textContent()).isEqualTo("앱");
    }
    @Test
    @Order(9)
    void aFiringAlertTopsTheFeedAndColoursTheOverviewColumnThenMovesToResolved() {
        // A rule that holds at once for ticker (one Ready instance): a firing critical alert.
        String rule = """
                apiVersion: nuri.io/v1
                kind: AlertRule
                metadata: {name: browser-watch}
                spec:
                  selector: {app: ticker}
                  metric: readyInstances
                  condition: {op: ">=", threshold: 1}
                  severity: critical
                  summary: "ticker is watched by the browser test"
                """;
        assertThat(server.http("POST", "/api/v1/alertrules", rule, server.token()).status()).isEqualTo(200);
        try {
            loginWithFragment();
            Locator badge = page.locator("tr[data-app=ticker] .alert-badge");
            await().atMost(Duration.ofSeconds(30)).until(() -> "1".equals(badge.getAttribute("data-alerts")));
            assertThat(badge.getAttribute("data-severity")).isEqualTo("critical");
            assertThat(badge.getAttribute("class")).contains("sev-critical");
            assertThat(page.locator("tr[data-app=portal] .alert-badge").getAttribute("data-alerts")).isEqualTo("0");
            assertThat(page.locator("tr[data-app=ticker]").getAttribute("class")).contains("state-bad");
            page.screenshot(new Page.ScreenshotOptions().setPath(SHOTS.resolve("console-overview-alert.png")));

            page.navigate(server.url() + "/#/events");
            Locator first = page.locator("#alerts tr.alert-row").first();
            await().atMost(Duration.ofSeconds(30)).until(() -> first.isVisible()
                    && first.textContent().contains("ticker is watched by the browser test"));
            assertThat(first.getAttribute("class")).contains("alert-firing").contains("state-bad");
            assertThat(first.textContent()).contains("browser-watch", "심각", "발생 중");
            assertThat(page.locator("#alerts-firing .alert-badge").getAttribute("data-alerts")).isEqualTo("1");
            page.screenshot(new Page.ScreenshotOptions().setPath(SHOTS.resolve("console-alerts.png")));
        } finally {
            // Deleting the rule resolves the alert; the namespace gets its default rules back.
            assertThat(server.http("DELETE", "/api/v1/namespaces/default/alertrules/browser-watch", null, server.token())
                    .status()).isEqualTo(200);
        }
        Locator resolved = page.locator("#alerts tr.alert-resolved[data-alert]");
        await().atMost(Duration.ofSeconds(30)).until(() -> resolved.count() >= 1
                && resolved.first().textContent().contains("ticker is watched by the browser test"));
        assertThat(page.locator("#alerts-firing .alert-badge").getAttribute("data-alerts")).isEqualTo("0");
        page.locator("#f-alert-state").selectOption("firing");
        await().atMost(Duration.ofSeconds(10)).until(() -> page.locator("#alerts tr.alert-resolved").count() == 0);
        page.locator("#f-alert-state").selectOption("resolved");
        await().atMost(Duration.ofSeconds(10)).until(() -> page.locator("#alerts tr.alert-resolved").count() >= 1);
    }

    @Test
    @Order(10)
    void anAutoscaledAppShowsItsBoundsAndDecisionsAndTurnsHandScalingOff() throws Exception {
        server.apply(tmp.resolve("elastic.yaml"), TestApps.sample("elastic")
                .autoscale("{minReplicas: 1, maxReplicas: 2, targetConcurrency: 10}").yaml());
        try {
            loginWithFragment();
            page.navigate(server.url() + "/#/app/default/elastic");
            Locator summary = page.locator("#autoscale-summary");
            await().atMost(Duration.ofSeconds(30)).until(() -> summary.isVisible() && summary.textContent().contains("1..2"));
            assertThat(page.locator("#do-scale").isDisabled()).isTrue();
            page.navigate(server.url() + "/#/app/default/portal"); // not autoscaled: no card, scaling by hand
            page.locator("#do-scale").waitFor();
            Thread.sleep(1500); // a poll or two
            assertThat(page.locator("#autoscale").isVisible()).isFalse();
            assertThat(page.locator("#do-scale").isDisabled()).isFalse();
        } finally {
            server.nuri("delete", "app", "elastic");
        }
    }
}
