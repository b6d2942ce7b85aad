package io.nuri.gslb.spec;

import java.util.List;

/**
 * One place a GlobalService runs: the address and port of that site's gateway.
 *
 * @param subnets client networks (CIDR) this site serves under the topology policy
 */
public record Site(String name, String address, int port, int weight, HealthCheck healthCheck, List<String> subnets) {
    public Site {
        subnets = List.copyOf(subnets);
    }

    public String authority() {
        return address.indexOf(':') >= 0 ? "[" + address + "]:" + port : address + ":" + port;
    }
}
