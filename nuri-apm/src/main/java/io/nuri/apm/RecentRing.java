package io.nuri.apm;

import java.util.Arrays;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.Map;

/**
 * The last transactions of an app, kept in columns rather than as objects. At thousands of
 * requests a second a ring of {@link Transaction} objects (each holding five or more strings)
 * was nearly all of the APM's garbage-collection cost: every young collection copied it. Here a
 * transaction costs no object of its own: numbers and W3C ids (hex, stored as longs) sit in
 * primitive arrays (about 100 bytes a slot, grown as the app's traffic needs them), and paths and
 * client addresses are shared through small bounded dictionaries. Transactions are rebuilt when
 * read, which only queries do.
 *
 * <p>Not thread-safe: the owning {@link AppWindow}'s lock guards it.
 */
final class RecentRing {
    /** Distinct paths (and clients) shared per app; past it the dictionary starts over. */
    static final int DICTIONARY_MAX = 4_096;
    /** Slots allocated at first; doubled as needed up to the capacity. */
    static final int INITIAL = 256;
    private static final HexFormat HEX = HexFormat.of();

    private final int capacity;
    private long[] seq;
    private long[] time;
    private long[] micros;
    private int[] status;
    private int[] revision;
    private String[] method;
    private String[] path;
    private String[] instance;
    private String[] client;
    private String[] user;
    private long[] traceHi;
    private long[] traceLo;
    private long[] span;
    private long[] parent;
    private long[] caller;
    /** Ids that are not canonical W3C hex (foreign tools, tests), kept as given; null for nearly every slot. */
    private String[][] rawIds;
    private final Map<String, String> paths = new HashMap<>();
    private final Map<String, String> clients = new HashMap<>();
    private int next;
    private int size;

    RecentRing(int capacity) {
        this.capacity = capacity;
        allocate(Math.min(capacity, INITIAL));
    }

    /** Columns of {@code n} slots, keeping what they hold (only before the ring wrapped: slot order is insertion order). */
    private void allocate(int n) {
        seq = copyOf(seq, n);
        time = copyOf(time, n);
        micros = copyOf(micros, n);
        status = copyOf(status, n);
        revision = copyOf(revision, n);
        method = copyOf(method, n);
        path = copyOf(path, n);
        instance = copyOf(instance, n);
        client = copyOf(client, n);
        user = copyOf(user, n);
        traceHi = copyOf(traceHi, n);
        traceLo = copyOf(traceLo, n);
        span = copyOf(span, n);
        parent = copyOf(parent, n);
        caller = copyOf(caller, n);
        rawIds = rawIds == null ? new String[n][] : Arrays.copyOf(rawIds, n);
    }

    private static long[] copyOf(long[] a, int n) {
        return a == null ? new long[n] : Arrays.copyOf(a, n);
    }

    private static int[] copyOf(int[] a, int n) {
        return a == null ? new int[n] : Arrays.copyOf(a, n);
    }

    private static String[] copyOf(String[] a, int n) {
        return a == null ? new String[n] : Arrays.copyOf(a, n);
    }

    /** Keeps {@code t} as number {@code n} (increasing), replacing the oldest when full. */
    void add(long n, Transaction t) {
        if (size == seq.length && size < capacity) {
            allocate(Math.min(capacity, size * 2)); // a quiet app never pays for the full ring
            next = size; // it had not wrapped: slots 0..size-1 are in order
        }
        final int i = next;
        next = next + 1 == seq.length ? 0 : next + 1;
        size = Math.min(size + 1, seq.length);
        seq[i] = n;
        time[i] = t.timeMillis();
        micros[i] = t.durationMicros();
        status[i] = t.status();
        revision[i] = t.revision();
        method[i] = t.method();
        path[i] = shared(paths, t.path());
        instance[i] = t.instance();
        client[i] = shared(clients, t.client());
        user[i] = t.userKey() != null && t.userKey().equals(t.client()) ? client[i] : t.userKey();
        if (canonical(t.traceId(), 32) && canonical(t.spanId(), 16) && canonical(t.parentSpanId(), 16)
                && canonical(t.callerSpanId(), 16)) {
            traceHi[i] = t.traceId() == null ? 0 : HexFormat.fromHexDigitsToLong(t.traceId(), 0, 16);
            traceLo[i] = t.traceId() == null ? 0 : HexFormat.fromHexDigitsToLong(t.traceId(), 16, 32);
            span[i] = id(t.spanId());
            parent[i] = id(t.parentSpanId());
            caller[i] = id(t.callerSpanId());
            rawIds[i] = null;
        } else {
            traceHi[i] = traceLo[i] = span[i] = parent[i] = caller[i] = 0;
            rawIds[i] = new String[] {t.traceId(), t.spanId(), t.parentSpanId(), t.callerSpanId()};
        }
    }

    int size() {
        return size;
    }

    /** The {@code k}-th newest (0 = newest), {@code k < size()}. */
    long seq(int k) {
        return seq[slot(k)];
    }

    /** The {@code k}-th newest as a Transaction. */
    Transaction get(int k) {
        final int i = slot(k);
        final String[] raw = rawIds[i];
        final String traceId = raw != null ? raw[0] : traceHi[i] == 0 && traceLo[i] == 0 ? null
                : HEX.toHexDigits(traceHi[i]) + HEX.toHexDigits(traceLo[i]);
        return new Transaction(time[i], method[i], path[i], status[i], micros[i], instance[i], revision[i], client[i],
                user[i], traceId, raw != null ? raw[1] : hex(span[i]), raw != null ? raw[2] : hex(parent[i]),
                raw != null ? raw[3] : hex(caller[i]));
    }

    /** The time of the {@code k}-th newest, without building it. */
    long timeMillis(int k) {
        return time[slot(k)];
    }

    private int slot(int k) {
        return Math.floorMod(next - 1 - k, seq.length);
    }

    private static String shared(Map<String, String> dictionary, String s) {
        if (s == null) {
            return null;
        }
        final String known = dictionary.get(s);
        if (known != null) {
            return known;
        }
        if (dictionary.size() >= DICTIONARY_MAX) {
            dictionary.clear(); // many distinct values: start over rather than grow
        }
        dictionary.put(s, s);
        return s;
    }

    /** Null, or {@code length} lowercase hex digits that are not all zero (W3C's rule for ids). */
    static boolean canonical(String id, int length) {
        if (id == null) {
            return true;
        }
        if (id.length() != length) {
            return false;
        }
        boolean nonZero = false;
        for (int k = 0; k < length; k++) {
            final char c = id.charAt(k);
            if (!(c >= '0' && c <= '9' || c >= 'a' && c <= 'f')) {
                return false;
            }
            nonZero |= c != '0';
        }
        return nonZero;
    }

    private static long id(String id) {
        return id == null ? 0 : HexFormat.fromHexDigitsToLong(id);
    }

    private static String hex(long id) {
        return id == 0 ? null : HEX.toHexDigits(id);
    }
}
