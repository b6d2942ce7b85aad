package io.nuri.api.model;

import com.fasterxml.jackson.annotation.JsonInclude;
import java.time.Instant;

/**
 * What the platform did and why, e.g. reason {@code Restarted}, message
 * {@code portal-7f3a restarted: exit code 1 (3rd restart, next backoff 4 s)}. Kept in the store.
 *
 * @param id assigned by the store, increasing; 0 before it is stored
 * @param type {@code Normal} or {@code Warning}
 * @param instance the instance concerned, or null for app-level events
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record Event(long id, Instant time, String namespace, String app, String instance, String type,
        String reason, String message) {
    public static final String NORMAL = "Normal";
    public static final String WARNING = "Warning";

    public static Event normal(String namespace, String app, String instance, String reason, String message) {
        return new Event(0, Instant.now(), namespace, app, instance, NORMAL, reason, message);
    }

    public static Event warning(String namespace, String app, String instance, String reason, String message) {
        return new Event(0, Instant.now(), namespace, app, instance, WARNING, reason, message);
    }
}
