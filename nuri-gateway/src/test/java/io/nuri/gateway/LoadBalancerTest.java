package io.nuri.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import com.linecorp.armeria.client.WebClient;
import io.nuri.api.spec.Traffic;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;

class LoadBalancerTest extends GatewayTestSupport {

    /** A pool tests fill by hand. */
    static final class FakePool implements LoadBalancer.Pool {
        final int[] inflight;
        final int[] weights;
        final double[] warmup;

        FakePool(int[] inflight, int[] weights, double[] warmup) {
            this.inflight = inflight;
            this.weights = weights;
            this.warmup = warmup;
        }

        public int size() { return inflight.length; }
        public int inflight(int i) { return inflight[i]; }
        public int weight(int i) { return weights[i]; }
        public double warmup(int i, long now) { return warmup[i]; }
        public boolean warming(long now) {
            for (double w : warmup) {
                if (w < 1) {
                    return true;
                }
            }
            return false;
        }
        public boolean equalWeights() {
            for (int w : weights) {
                if (w != weights[0]) {
                    return false;
                }
            }
            return true;
        }
    }

    static int[] counts(LoadBalancer lb, LoadBalancer.Pool pool, int n) {
        final int[] c = new int[pool.size()];
        for (int i = 0; i < n; i++) {
            c[lb.select(pool, 0)]++;
        }
        return c;
    }

    @Test
    void roundRobinIsExact() {
        final FakePool pool = new FakePool(new int[3], new int[] {1, 1, 1}, new double[] {1, 1, 1});
        assertThat(counts(LoadBalancer.roundRobin(), pool, 300)).containsExactly(100, 100, 100);
    }

    @Test
    void weightedIsProportionalToWeights() {
        final FakePool pool = new FakePool(new int[3], new int[] {100, 200, 300}, new double[] {1, 1, 1});
        final int[] c = counts(LoadBalancer.weighted(), pool, 60_000);
        assertThat(c[0]).isBetween(9_000, 11_000);
        assertThat(c[1]).isBetween(19_000, 21_000);
        assertThat(c[2]).isBetween(29_000, 31_000);
    }

    @Test
    void leastRequestNeverPicksTheBusiestOfTwoAndFavoursTheIdle() {
        final FakePool pool = new FakePool(new int[] {0, 10, 10}, new int[] {1, 1, 1}, new double[] {1, 1, 1});
        final int[] c = counts(LoadBalancer.leastRequest(), pool, 30_000);
        // The idle one wins whenever it is one of the two draws: 2/3 of the picks.
        assertThat(c[0]).isBetween(19_000, 21_000);
    }

    @Test
    void slowStartGivesAFreshEndpointASmallShareThatGrowsForEveryStrategy() {
        for (LoadBalancer lb : new LoadBalancer[] {LoadBalancer.leastRequest(), LoadBalancer.roundRobin(),
                LoadBalancer.weighted()}) {
            final double[] shares = new double[3];
            final double[] factors = {SlowStart.factor(0, 60_000, 0), SlowStart.factor(0, 60_000, 30_000),
                    SlowStart.factor(0, 60_000, 60_000)};
            for (int s = 0; s < 3; s++) {
                final FakePool pool = new FakePool(new int[4], new int[] {100, 100, 100, 100},
                        new double[] {1, 1, 1, factors[s]});
                shares[s] = counts(lb, pool, 40_000)[3] / 40_000.0;
            }
            assertThat(shares[0]).as(lb + " at start").isLessThan(0.05);
            assertThat(shares[1]).as(lb + " halfway").isBetween(shares[0] + 0.05, 0.24);
            assertThat(shares[2]).as(lb + " warm").isBetween(0.22, 0.28);
        }
    }

    @Test
    void slowStartThroughTheGatewayFollowsTheInjectedClock() {
        final Backend old1 = backend("old1");
        final Backend old2 = backend("old2");
        final Backend fresh = backend("fresh");
        final Instant t0 = Instant.parse("2026-11-24T12:00:00Z");
        final ManualClock clock = new ManualClock(t0);
        final Gateway gw = gateway(b -> b.clock(clock));
        final Traffic t = new Traffic(Traffic.LoadBalancer.roundRobin, 20, null, Traffic.Retries.DEFAULTS, 30);
        gw.update(table(app("web", t, old1.endpoint("web"), old2.endpoint("web"),
                fresh.endpoint("web", t0, 100))));
        final int early = freshHits(gw, fresh, 300);
        clock.advanceSeconds(15);
        final int later = freshHits(gw, fresh, 300);
        clock.advanceSeconds(10);
        final int warm = freshHits(gw, fresh, 300);
        assertThat(early).isLessThan(30); // ~5% share: about 8 of 300
        assertThat(later).isGreaterThan(early);
        assertThat(warm).isEqualTo(100); // plain round robin again once warm
    }

    private int freshHits(Gateway gw, Backend fresh, int n) {
        final int before = fresh.hits.get();
        final WebClient c = client(gw);
        for (int i = 0; i < n; i++) {
            assertThat(c.blocking().get("/").status().code()).isEqualTo(200);
        }
        return fresh.hits.get() - before;
    }

    @Test
    void leastRequestSendsNewRequestsAwayFromASlowEndpoint() {
        final Backend slow = backend("slow");
        final Backend fast = backend("fast");
        final Gateway gw = gateway();
        gw.update(table(app("web", traffic(Traffic.LoadBalancer.leastRequest), slow.endpoint("web"),
                fast.endpoint("web"))));
        // Hold 5 slow requests on whichever endpoint they land, then see where quick ones go. They are
        // held long enough (6 s) for the 50 quick ones to finish first even on a busy machine.
        final WebClient c = client(gw);
        final CompletableFuture<?>[] held = new CompletableFuture<?>[5];
        for (int i = 0; i < held.length; i++) {
            held[i] = c.get("/slow?ms=6000").aggregate();
        }
        org.awaitility.Awaitility.await().until(() -> gw.inflight("slow") + gw.inflight("fast") == 5);
        final String busy = gw.inflight("slow") >= gw.inflight("fast") ? "slow" : "fast";
        final Map<String, Integer> tally = new HashMap<>();
        for (int i = 0; i < 50; i++) {
            tally.merge(who(c.blocking().get("/")), 1, Integer::sum);
        }
        final int idleShare = tally.getOrDefault(busy.equals("slow") ? "fast" : "slow", 0);
        assertThat(idleShare).isEqualTo(50);
        CompletableFuture.allOf(held).join();
    }

    /** The canary weight the endpoint registry gives: share * stable * K / (100 - share). */
    static int canaryWeight(int sharePercent, int stable, int k) {
        return (int) Math.round((double) sharePercent * stable * k / (100 - sharePercent));
    }

    @Test
    void aTenPercentWeightGetsAboutTenPercentUnderEveryBalancer() {
        for (LoadBalancer lb : new LoadBalancer[] {LoadBalancer.leastRequest(), LoadBalancer.roundRobin(),
                LoadBalancer.weighted()}) {
            for (int stable : new int[] {1, 3, 9}) {
                final int[] weights = new int[stable + 1];
                java.util.Arrays.fill(weights, 100);
                weights[stable] = canaryWeight(10, stable, 100);
                final double[] warm = new double[stable + 1];
                java.util.Arrays.fill(warm, 1);
                final FakePool pool = new FakePool(new int[stable + 1], weights, warm);
                final int canary = counts(lb, pool, 2000)[stable];
                assertThat(canary).as(lb + " with " + stable + " stable endpoints").isBetween(100, 300);
            }
        }
    }

    @Test
    void roundRobinWithUnequalWeightsIsNearlyExactAndSpreadsTheLightEndpointOut() {
        final FakePool pool = new FakePool(new int[4], new int[] {100, 100, 100, 33}, new double[] {1, 1, 1, 1});
        final LoadBalancer lb = LoadBalancer.roundRobin();
        int canary = 0;
        int longestRun = 0;
        int run = 0;
        for (int i = 0; i < 2000; i++) {
            if (lb.select(pool, 0) == 3) {
                canary++;
                longestRun = Math.max(longestRun, ++run);
            } else {
                run = 0;
            }
        }
        assertThat(canary).isBetween(190, 210); // 33 / 333 of 2000 = 198
        assertThat(longestRun).isEqualTo(1);
    }

    @Test
    void aTenPercentWeightGetsAboutTenPercentThroughTheGatewayUnderConcurrentLoad() {
        final Backend[] stable = {backend("s1"), backend("s2"), backend("s3")};
        final Backend canary = backend("canary");
        final Gateway gw = gateway();
        final WebClient c = client(gw);
        for (Traffic.LoadBalancer kind : Traffic.LoadBalancer.values()) {
            gw.update(table(app("web", traffic(kind), stable[0].endpoint("web"), stable[1].endpoint("web"),
                    stable[2].endpoint("web"), canary.endpoint("web", Instant.EPOCH, canaryWeight(10, 3, 100)))));
            final int before = canary.hits.get();
            final int total = 2000;
            final int concurrency = 16;
            final java.util.concurrent.atomic.AtomicInteger sent = new java.util.concurrent.atomic.AtomicInteger();
            final CompletableFuture<?>[] lanes = new CompletableFuture<?>[concurrency];
            try (var pool = java.util.concurrent.Executors.newVirtualThreadPerTaskExecutor()) {
                for (int l = 0; l < concurrency; l++) {
                    lanes[l] = CompletableFuture.runAsync(() -> {
                        while (sent.getAndIncrement() < total) {
                            assertThat(c.get("/slow?ms=1").aggregate().join().status().code()).isEqualTo(200);
                        }
                    }, pool);
                }
                CompletableFuture.allOf(lanes).join();
            }
            final int share = canary.hits.get() - before;
            assertThat(share).as(kind + ": canary requests of " + total).isBetween(100, 300);
        }
    }
}
