package io.nuri.api.model;

import io.nuri.api.spec.RevisionTemplate;
import java.time.Instant;

/**
 * An immutable snapshot of what runs. Every change of an app's {@link RevisionTemplate} makes a
 * new revision with the next number; rollback returns to an older one.
 *
 * @param hash short hex digest of the template's canonical JSON (and of the jar's content when
 *     the app runs a jar), used in instance ids
 */
public record Revision(String namespace, String app, int number, String hash, RevisionTemplate template,
        Instant createdAt) {}
