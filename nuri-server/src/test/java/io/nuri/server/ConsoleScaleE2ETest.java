package io.nuri.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.microsoft.playwright.Browser;
import com.microsoft.playwright.BrowserType;
import com.microsoft.playwright.Page;
import com.microsoft.playwright.Playwright;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The console with 50 apps and an hour of chart data: the overview lists them all and the page's
 * main thread stays free while it polls. Figures are printed and written to
 * target/screenshots/console-scale.txt (docs/console.md quotes a run); no speed is asserted.
 */
class ConsoleScaleE2ETest {
    static final int APPS = 50;

    @TempDir
    Path tmp;

    @Test
    void fiftyAppsAndAnHourOfChartDataKeepThePageResponsive() throws Exception {
        String yaml = IntStream.range(0, APPS).mapToObj(n -> """
                apiVersion: nuri.io/v1
                kind: App
                metadata: {name: svc-%02d}
                spec:
                  run: {command: ["sleep", "3600"]}
                  replicas: 1
                  probes: {readiness: {exec: {command: ["true"]}, periodSeconds: 1}}
                """.formatted(n)).collect(Collectors.joining("---\n"));
        try (ServerProcess server = ServerProcess.start(tmp.resolve("data"));
                Playwright playwright = Playwright.create(new Playwright.CreateOptions()
                        .setEnv(Map.of("PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD", "1")));
                Browser browser = playwright.chromium().launch(new BrowserType.LaunchOptions()
                        .setExecutablePath(Path.of("/usr/bin/chromium")).setHeadless(true)
                        .setArgs(List.of("--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking")))) {
            server.apply(tmp.resolve("fifty.yaml"), yaml);
            await("50 instances").atMost(Duration.ofSeconds(90)).until(() -> server.http("GET", "/api/v1/instances", null,
                    server.token()).json().size() == APPS);
            Page page = browser.newPage(new Browser.NewPageOptions().setViewportSize(1400, 1000));
            page.setDefaultTimeout(60_000);
            long t0 = System.nanoTime();
            page.navigate(server.url() + "/#token=" + server.token());
            page.locator("#overview tr[data-app=svc-49]").waitFor();
            long firstTableMs = (System.nanoTime() - t0) / 1_000_000;
            assertThat(page.locator("#overview tr[data-app]").count()).isEqualTo(APPS);
            await("all Ready in the page").atMost(Duration.ofSeconds(90))
                    .until(() -> page.locator("#overview tr[data-app].state-ok").count() == APPS);

            // Main-thread lag while the overview polls (every 1.5 s) for 10 s: a 50 ms timer chain.
            Object lag = page.evaluate("""
                    () => new Promise(done => { let max = 0, last = performance.now(); const end = last + 10000;
                      const tick = () => { const now = performance.now(); max = Math.max(max, now - last - 50); last = now;
                        if (now < end) setTimeout(tick, 50); else done(Math.round(max)); }; setTimeout(tick, 50); })""");

            // An hour of 1-second points in the dashboard's chart types, with the jar's ECharts.
            Object charts = page.evaluate("""
                    () => { const el = document.createElement('div'); el.style.cssText = 'width:1200px;height:300px';
                      document.body.append(el); const now = Date.now(); const pts = [];
                      for (let i = 0; i < 3600; i++) pts.push([now - (3600 - i) * 1000, 50 + 30 * Math.sin(i / 60)]);
                      const cells = []; for (let i = 0; i < 3600; i++) for (let b = 0; b < 4; b++) cells.push([now - (3600 - i) * 1000, b, 1 + (i * b) % 9]);
                      const t0 = performance.now();
                      for (let k = 0; k < 4; k++) { const c = echarts.init(el.appendChild(document.createElement('div')), null, {width: 1200, height: 220});
                        c.setOption({animation: false, xAxis: {type: 'time'}, yAxis: {type: 'value'},
                          series: [{type: 'line', showSymbol: false, data: pts}, {type: 'line', showSymbol: false, data: pts}]}); }
                      const t1 = performance.now();
                      const h = echarts.init(el.appendChild(document.createElement('div')), null, {width: 1200, height: 320});
                      h.setOption({animation: false, xAxis: {type: 'time'}, yAxis: {type: 'category', data: ['0','50','100','200']},
                        visualMap: {min: 0, max: 9, dimension: 2, show: false},
                        series: [{type: 'scatter', symbol: 'rect', symbolSize: [2, 14], data: cells}]});
                      const t2 = performance.now();
                      return {lineChartsMs: Math.round(t1 - t0), heatmapMs: Math.round(t2 - t1)}; }""");
            String figures = "apps=" + APPS + " firstTableMs=" + firstTableMs + " maxMainThreadLagMs=" + lag
                    + " hourCharts=" + charts;
            System.out.println("console scale: " + figures);
            Files.createDirectories(Path.of("target", "screenshots"));
            Files.writeString(Path.of("target", "screenshots", "console-scale.txt"), figures + "\n");
            page.screenshot(new Page.ScreenshotOptions().setPath(Path.of("target", "screenshots", "console-overview-50.png")));
        }
    }
}
