package io.nuri.runtime.process;

import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.ReentrantReadWriteLock;

/**
 * The instances a driver knows: the live ones (started or adopted) and the last
 * {@value #EXITED_KEPT} that exited, so that an exit status and a log stay answerable after the
 * instance is gone.
 */
final class InstanceTable {
    private static final int EXITED_KEPT = 1024;

    private final ConcurrentHashMap<String, TrackedInstance> live = new ConcurrentHashMap<>();
    private final Map<String, TrackedInstance> exited = Collections.synchronizedMap(
            new LinkedHashMap<>(16, 0.75f, false) {
                @Override
                protected boolean removeEldestEntry(Map.Entry<String, TrackedInstance> e) {
                    return size() > EXITED_KEPT;
                }
            });
    private final Set<String> starting = ConcurrentHashMap.newKeySet();
    /** start/recover hold it shared between fork and tracking; reapStrays holds it exclusively. */
    private final ReentrantReadWriteLock forkLock = new ReentrantReadWriteLock();

    ReentrantReadWriteLock forkLock() {
        return forkLock;
    }

    /** False when a start of this id is already under way. */
    boolean beginStart(String id) {
        return starting.add(id);
    }

    void endStart(String id) {
        starting.remove(id);
    }

    TrackedInstance live(String id) {
        return live.get(id);
    }

    boolean isLive(String id) {
        return live.containsKey(id);
    }

    /** Live or recently exited; null when neither. */
    TrackedInstance find(String id) {
        TrackedInstance t = live.get(id);
        return t != null ? t : exited.get(id);
    }

    void track(TrackedInstance t) {
        live.put(t.id(), t);
        exited.remove(t.id());
    }

    /** Moves an instance that exited from live to the recently exited. */
    void retire(TrackedInstance t) {
        live.remove(t.id(), t);
        exited.put(t.id(), t);
    }

    /** A live view, not a copy. */
    Collection<TrackedInstance> liveInstances() {
        return live.values();
    }

    /** A live view, not a copy. */
    Set<String> liveIds() {
        return live.keySet();
    }

    boolean noneLive() {
        return live.isEmpty();
    }

    /** A copy: the live instances, then the recently exited. */
    List<TrackedInstance> known() {
        List<TrackedInstance> known = new ArrayList<>(live.values());
        synchronized (exited) {
            known.addAll(exited.values());
        }
        return known;
    }

    /** Forgets the live instances without touching them (a platform crash, for tests). */
    void forgetLive() {
        live.clear();
    }
}
