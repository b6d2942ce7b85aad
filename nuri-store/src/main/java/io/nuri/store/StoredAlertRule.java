package io.nuri.store;

import java.time.Instant;

/**
 * An alert rule as stored: the document (JSON) its owner decodes. The store does not know the
 * rule's fields, so adding one needs no migration.
 */
public record StoredAlertRule(String namespace, String name, String documentJson, Instant createdAt,
        Instant updatedAt) {}
