package io.nuri.gateway;

import io.nuri.api.spec.Traffic;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * One app in one routing snapshot: its endpoints as an array (the balancers' {@link
 * LoadBalancer.Pool}), precomputed slow-start times, the affinity ring and the retry policy.
 * Immutable except for the per-endpoint counters inside {@link Upstream}.
 */
final class AppState implements LoadBalancer.Pool {
    static final int RETRY_502 = 1;
    static final int RETRY_503 = 2;
    static final int RETRY_504 = 4;
    static final int RETRY_5XX = 8;
    static final int RETRY_RESET = 16;
    static final int RETRY_TIMEOUT = 32;

    final String namespace;
    final String app;
    final String key;
    final Traffic traffic;
    final Upstream[] upstreams;
    final Map<String, Integer> indexById;
    final LoadBalancer balancer;
    final HashRing ring; // null unless affinity hashes
    final RetryBudget budget;
    final int attempts;
    final int retryOn; // RETRY_* bits
    final String noReadyMessage;
    final io.nuri.api.model.RoutingTable.Hold hold; // null: no Ready instance is a 503 at once
    final long spanBits; // high bits of the app's span ids (SpanTags); 0: fully random ids

    private final int[] weights;
    private final long[] readyMillis;
    private final long warmupMillis;
    /** Wall-clock time after which no endpoint is warming; Long.MIN_VALUE = none ever. */
    private final long warmUntilMillis;
    private final boolean equalWeights;

    AppState(String namespace, String app, Traffic traffic, Upstream[] upstreams, LoadBalancer balancer,
            RetryBudget budget) {
        this(namespace, app, traffic, upstreams, balancer, budget, null);
    }

    AppState(String namespace, String app, Traffic traffic, Upstream[] upstreams, LoadBalancer balancer,
            RetryBudget budget, io.nuri.api.model.RoutingTable.Hold hold) {
        this(namespace, app, traffic, upstreams, balancer, budget, hold, 0);
    }

    AppState(String namespace, String app, Traffic traffic, Upstream[] upstreams, LoadBalancer balancer,
            RetryBudget budget, io.nuri.api.model.RoutingTable.Hold hold, long spanBits) {
        this.hold = hold;
        this.spanBits = spanBits;
        this.namespace = namespace;
        this.app = app;
        this.key = namespace + '/' + app;
        this.traffic = traffic;
        this.upstreams = upstreams;
        this.balancer = balancer;
        this.budget = budget;
        this.noReadyMessage = "no ready instance of app " + key;
        final int n = upstreams.length;
        weights = new int[n];
        readyMillis = new long[n];
        warmupMillis = Math.round(Math.max(0, traffic.warmupSeconds()) * 1000);
        long until = Long.MIN_VALUE;
        boolean equal = true;
        indexById = new HashMap<>(n * 2);
        for (int i = 0; i < n; i++) {
            final var ep = upstreams[i].endpoint;
            weights[i] = ep.weight() > 0 ? ep.weight() : 100;
            equal &= weights[i] == weights[0];
            readyMillis[i] = ep.readySince() == null ? Long.MIN_VALUE / 2 : ep.readySince().toEpochMilli();
            if (warmupMillis > 0 && ep.readySince() != null) {
                until = Math.max(until, readyMillis[i] + warmupMillis);
            }
            indexById.put(upstreams[i].instanceId, i);
        }
        warmUntilMillis = until;
        equalWeights = equal;
        final Traffic.Affinity a = traffic.affinity();
        if (a != null && (a.cookie() != null || a.header() != null || a.clientAddress())) {
            final String[] ids = new String[n];
            for (int i = 0; i < n; i++) {
                ids[i] = upstreams[i].instanceId;
            }
            ring = new HashRing(ids);
        } else {
            ring = null;
        }
        final Traffic.Retries r = traffic.retries() == null ? Traffic.Retries.DEFAULTS : traffic.retries();
        attempts = Math.max(1, r.attempts());
        retryOn = parseOn(r.on());
    }

    static int parseOn(List<String> on) {
        int bits = 0;
        for (String s : on) {
            switch (s.trim().toLowerCase(java.util.Locale.ROOT)) {
                case "502" -> bits |= RETRY_502;
                case "503" -> bits |= RETRY_503;
                case "504" -> bits |= RETRY_504;
                case "5xx" -> bits |= RETRY_5XX;
                case "reset" -> bits |= RETRY_RESET;
                case "timeout" -> bits |= RETRY_TIMEOUT;
                default -> { } // validated in nuri-api; unknown words are ignored here
            }
        }
        return bits;
    }

    boolean retriesStatus(int status) {
        if (status < 500 || status > 599) {
            return false;
        }
        if ((retryOn & RETRY_5XX) != 0) {
            return true;
        }
        return switch (status) {
            case 502 -> (retryOn & RETRY_502) != 0;
            case 503 -> (retryOn & RETRY_503) != 0;
            case 504 -> (retryOn & RETRY_504) != 0;
            default -> false;
        };
    }

    boolean retriesOnStatus() {
        return (retryOn & (RETRY_502 | RETRY_503 | RETRY_504 | RETRY_5XX)) != 0;
    }

    @Override
    public int size() {
        return upstreams.length;
    }

    @Override
    public int inflight(int i) {
        return upstreams[i].inflight.get();
    }

    @Override
    public int weight(int i) {
        return weights[i];
    }

    @Override
    public double warmup(int i, long nowMillis) {
        return SlowStart.factor(readyMillis[i], warmupMillis, nowMillis);
    }

    @Override
    public boolean warming(long nowMillis) {
        return nowMillis < warmUntilMillis;
    }

    @Override
    public boolean equalWeights() {
        return equalWeights;
    }

    /** A view of some of this app's endpoints (retries, ejections): rare path, allocates. */
    final class Subset implements LoadBalancer.Pool {
        final int[] index;

        Subset(int[] index) {
            this.index = index;
        }

        @Override
        public int size() {
            return index.length;
        }

        @Override
        public int inflight(int i) {
            return AppState.this.inflight(index[i]);
        }

        @Override
        public int weight(int i) {
            return weights[index[i]];
        }

        @Override
        public double warmup(int i, long nowMillis) {
            return AppState.this.warmup(index[i], nowMillis);
        }

        @Override
        public boolean warming(long nowMillis) {
            return AppState.this.warming(nowMillis);
        }

        @Override
        public boolean equalWeights() {
            return equalWeights;
        }
    }
}
