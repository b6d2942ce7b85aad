package io.nuri.gslb;

/** A site going down or coming back for a service, as the status view and the log show it. */
public record GslbEvent(long time, String service, String site, String reason, String message) {}
