package io.nuri.gslb.spec;

import java.util.Arrays;
import java.util.Optional;

/** How a GlobalService spreads users across its healthy sites. */
public enum Policy {
    /** Each answer or request goes to one site, chosen at random in proportion to the weights. */
    WEIGHTED("weighted"),
    /** The first healthy site in the listed order takes everything; the others are standby. */
    FAILOVER("failover"),
    /** DNS answers every healthy site, rotated; HTTP takes the sites in turn. */
    ROUND_ROBIN("roundRobin"),
    /** The site whose subnets contain the client's address; weighted among all when none does. */
    TOPOLOGY("topology");

    private final String specName;

    Policy(String specName) {
        this.specName = specName;
    }

    public String specName() {
        return specName;
    }

    public static Optional<Policy> fromSpec(String name) {
        return Arrays.stream(values()).filter(p -> p.specName.equals(name)).findFirst();
    }
}
