package io.nuri.alerts;

import java.util.Arrays;
import java.util.Optional;

/** How urgent an alert is; the console colours by it and sorts the worst first. */
public enum Severity {
    info, warning, critical;

    public static Optional<Severity> fromSpec(String name) {
        return Arrays.stream(values()).filter(s -> s.name().equals(name)).findFirst();
    }
}
