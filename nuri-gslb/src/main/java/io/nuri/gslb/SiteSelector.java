package io.nuri.gslb;

import io.nuri.gslb.spec.Site;
import io.nuri.gslb.spec.Subnet;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.Predicate;

/**
 * Applies a service's policy to its eligible sites. Shared by the DNS and HTTP front ends so both
 * spread users the same way.
 */
final class SiteSelector {
    private SiteSelector() {}

    /** The site one answer or request goes to, among the eligible sites that pass the filter. */
    static Site pick(ServiceState state, InetAddress client, Predicate<Site> filter) {
        List<Site> candidates = filter(state.eligible(), filter);
        if (candidates.isEmpty()) {
            return null;
        }
        return switch (state.service().policy()) {
            case FAILOVER -> candidates.get(0);
            case ROUND_ROBIN -> candidates.get(Math.floorMod(state.rotation.getAndIncrement(), candidates.size()));
            case TOPOLOGY -> {
                Site local = client == null ? null : candidates.stream()
                        .filter(s -> s.subnets().stream().map(Subnet::parse).anyMatch(n -> n.contains(client)))
                        .findFirst().orElse(null);
                yield local != null ? local : weighted(candidates);
            }
            case WEIGHTED -> weighted(candidates);
        };
    }

    /**
     * The records of one DNS answer: every eligible site rotated for roundRobin (the classic DNS
     * round robin, clients take the first), else the one picked site.
     */
    static List<Site> dnsAnswer(ServiceState state, InetAddress client, boolean ipv6) {
        Predicate<Site> family = s -> (Subnet.literal(s.address()) instanceof Inet6Address) == ipv6;
        if (state.service().policy() == io.nuri.gslb.spec.Policy.ROUND_ROBIN) {
            List<Site> all = filter(state.eligible(), family);
            if (all.isEmpty()) {
                return all;
            }
            int start = Math.floorMod(state.rotation.getAndIncrement(), all.size());
            List<Site> rotated = new ArrayList<>(all.subList(start, all.size()));
            rotated.addAll(all.subList(0, start));
            return rotated;
        }
        Site one = pick(state, client, family);
        return one == null ? List.of() : List.of(one);
    }

    /**
     * The order in which one HTTP request tries the sites: the policy's pick first, then the other
     * healthy sites in listed order, then the unhealthy ones (a last resort beats a certain 502).
     */
    static List<Site> httpOrder(ServiceState state, InetAddress client) {
        List<Site> order = new ArrayList<>();
        Site first = pick(state, client, s -> true);
        if (first != null) {
            order.add(first);
        }
        for (Site s : state.eligible()) {
            if (!order.contains(s)) {
                order.add(s);
            }
        }
        for (Site s : state.service().sites()) {
            if (!order.contains(s)) {
                order.add(s);
            }
        }
        return order;
    }

    private static Site weighted(List<Site> candidates) {
        int total = 0;
        for (Site s : candidates) {
            total += s.weight();
        }
        if (total == 0) {
            return candidates.get(ThreadLocalRandom.current().nextInt(candidates.size()));
        }
        int r = ThreadLocalRandom.current().nextInt(total);
        for (Site s : candidates) {
            r -= s.weight();
            if (r < 0) {
                return s;
            }
        }
        return candidates.get(candidates.size() - 1);
    }

    private static List<Site> filter(List<Site> sites, Predicate<Site> filter) {
        List<Site> out = new ArrayList<>();
        for (Site s : sites) {
            if (filter.test(s)) {
                out.add(s);
            }
        }
        return out;
    }
}
