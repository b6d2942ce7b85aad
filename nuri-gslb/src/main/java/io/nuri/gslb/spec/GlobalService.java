package io.nuri.gslb.spec;

import java.util.List;

/**
 * A service served from several sites at once ({@code kind: GlobalService}).
 *
 * @param hostnames the names answered for, lower case, without a trailing dot
 * @param zone the DNS zone these names live in (the GSLB is authoritative for it); default: the
 *     first hostname without its first label
 */
public record GlobalService(String name, List<String> hostnames, String zone, int ttlSeconds, Policy policy,
        List<Site> sites) {
    public GlobalService {
        hostnames = List.copyOf(hostnames);
        sites = List.copyOf(sites);
    }
}
