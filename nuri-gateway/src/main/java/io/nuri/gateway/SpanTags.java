package io.nuri.gateway;

import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicReferenceArray;

/**
 * Which app a span id the gateway issued belongs to, read from the id itself, so the service map
 * needs no registry of recent spans on the request path (a 100,000-entry map written twice per
 * request was the largest single cost of the APM there).
 *
 * <p>A gateway span id is 64 bits: a 16-bit mark drawn once per gateway, the app's 16-bit tag,
 * then 32 random bits. The mark tells this gateway's ids from anyone else's (a foreign id passes
 * with odds of 1 in 65,536, and then still needs a tag in use); 32 random bits keep ids apart
 * within a trace. Tags are handed out on routing updates, never on the request path; after
 * 65,535 apps they wrap, and ids of an app long gone may then name a newer one.
 */
final class SpanTags {
    private static final int TAGS = 1 << 16;

    private final long mark;
    private final Map<String, Integer> tagByApp = new HashMap<>(); // guarded by this
    private final AtomicReferenceArray<String> appByTag = new AtomicReferenceArray<>(TAGS);
    private int next = 1;

    SpanTags() {
        this(1 + ThreadLocalRandom.current().nextInt(TAGS - 1));
    }

    SpanTags(int mark) {
        if (mark <= 0 || mark >= TAGS) {
            throw new IllegalArgumentException("mark must be 1..65535: " + mark);
        }
        this.mark = mark;
    }

    /** The high 32 bits of every span id of the app ("namespace/app"); the low 32 are random per span. */
    synchronized long bitsFor(String appKey) {
        Integer tag = tagByApp.get(appKey);
        if (tag == null) {
            tag = next;
            next = next == TAGS - 1 ? 1 : next + 1;
            final String previous = appByTag.getAndSet(tag, appKey);
            if (previous != null) {
                tagByApp.remove(previous); // wrapped: the oldest tag is reused
            }
            tagByApp.put(appKey, tag);
        }
        return mark << 48 | (long) tag << 32;
    }

    /** "namespace/app" of a span id this gateway issued; null for anything else. */
    String appOf(String spanId) {
        if (spanId == null || spanId.length() != 16) {
            return null;
        }
        final long id;
        try {
            id = Long.parseUnsignedLong(spanId, 16);
        } catch (NumberFormatException e) {
            return null;
        }
        if (id >>> 48 != mark) {
            return null;
        }
        return appByTag.get((int) (id >>> 32) & (TAGS - 1));
    }
}
