package io.nuri.alerts;

/** The values of {@code AlertRecord.state}. */
public final class AlertStates {
    public static final String PENDING = "pending";
    public static final String FIRING = "firing";
    public static final String RESOLVED = "resolved";

    private AlertStates() {}
}
