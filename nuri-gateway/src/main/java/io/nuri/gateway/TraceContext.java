package io.nuri.gateway;

import com.linecorp.armeria.common.HttpHeaderNames;
import com.linecorp.armeria.common.RequestHeaders;
import io.netty.util.AsciiString;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;

/**
 * The W3C Trace Context (https://www.w3.org/TR/trace-context/) of one exchange: the trace it
 * belongs to, the span the gateway opens for it, and the headers sent on to the instance.
 *
 * <p>An incoming {@code traceparent} that is valid continues its trace (the caller's span becomes
 * the parent, the sampled flag is kept); a missing or invalid one starts a new, sampled trace and
 * the incoming {@code tracestate} is dropped with it (spec section 3.3.1: a tracestate without a
 * valid traceparent means nothing). Upstream the gateway sends version {@code 00} with its own
 * span as the parent and puts its entry {@code nuri=<gateway span id>} first in {@code tracestate}
 * (spec 3.3.1.1: a vendor's modified entry moves to the left). An app that opens a child span and
 * passes tracestate on unchanged, as the spec asks, thereby tells the gateway on its next call
 * which gateway span it was serving: {@link #callerSpanId}, the link the service map follows.
 *
 * <p>Ids come from {@link ThreadLocalRandom}: unique enough for tracing and far cheaper than
 * SecureRandom on the proxy's hot path; a trace id is not a secret.
 *
 * @param traceId 32 lowercase hex digits
 * @param spanId the gateway's span for this exchange, 16 lowercase hex digits
 * @param parentSpanId the caller's span from a valid incoming traceparent; null when the trace starts here
 * @param callerSpanId the gateway span named by the incoming tracestate's {@code nuri} entry; null when none
 * @param traceparent the header value sent upstream
 * @param tracestate the header value sent upstream
 */
record TraceContext(String traceId, String spanId, String parentSpanId, String callerSpanId, String traceparent,
        String tracestate) {
    static final AsciiString TRACEPARENT = HttpHeaderNames.of("traceparent");
    static final AsciiString TRACESTATE = HttpHeaderNames.of("tracestate");
    /** Our tracestate key (spec 3.3.1.3.1: lowercase letters, digits, _ - * /). */
    static final String VENDOR_KEY = "nuri";
    /** The spec's limit on list members; beyond it entries are dropped from the right. */
    static final int MAX_TRACESTATE_MEMBERS = 32;
    /** Longer incoming tracestate values are dropped rather than parsed (the spec lets vendors truncate; 512 is its propagation floor). */
    static final int MAX_TRACESTATE_CHARS = 512;

    private static final char[] HEX = "0123456789abcdef".toCharArray();

    /** Reads the incoming headers and opens the gateway's span with a fully random id. */
    static TraceContext from(RequestHeaders headers) {
        return from(headers, 0);
    }

    /**
     * Reads the incoming headers and opens the gateway's span; {@code spanBits} are the high 32
     * bits of the span id ({@link SpanTags#bitsFor}: whose span it is), 0 for a fully random id.
     */
    static TraceContext from(RequestHeaders headers, long spanBits) {
        final String incoming = headers.get(TRACEPARENT);
        if (incoming != null && parentOf(incoming) != null && single(headers, TRACEPARENT)) {
            final String traceId = incoming.substring(3, 35);
            final String parent = incoming.substring(36, 52);
            final boolean sampled = (hexValue(incoming.charAt(54)) & 1) == 1;
            return open(traceId, parent, sampled, headers, spanBits);
        }
        return open(null, null, true, null, spanBits);
    }

    /** {@code traceId} null: a new trace. The ids are written once into the traceparent and cut out of it. */
    private static TraceContext open(String traceId, String parent, boolean sampled, RequestHeaders headers,
            long spanBits) {
        final ThreadLocalRandom r = ThreadLocalRandom.current();
        final char[] tp = new char[55];
        tp[0] = '0';
        tp[1] = '0';
        tp[2] = '-';
        if (traceId == null) {
            hex(nonZero(r), tp, 3);
            hex(r.nextLong(), tp, 19);
        } else {
            traceId.getChars(0, 32, tp, 3);
        }
        tp[35] = '-';
        hex(spanBits == 0 ? nonZero(r) : spanBits | (r.nextInt() & 0xffff_ffffL), tp, 36);
        tp[52] = '-';
        tp[53] = '0';
        tp[54] = sampled ? '1' : '0';
        final String traceparent = new String(tp);
        final String spanId = traceparent.substring(36, 52);
        if (traceId == null) {
            traceId = traceparent.substring(3, 35);
        }
        String caller = null;
        String state = VENDOR_KEY + '=' + spanId;
        if (headers != null && headers.contains(TRACESTATE)) {
            final List<String> values = headers.getAll(TRACESTATE);
            final String incoming = values.size() == 1 ? values.get(0) : String.join(",", values);
            final Members m = members(incoming);
            if (m != null) {
                caller = m.nuri;
                if (!m.others.isEmpty()) {
                    state = state + ',' + m.others;
                }
            }
        }
        return new TraceContext(traceId, spanId, parent, caller, traceparent, state);
    }

    /**
     * The parent span id of a valid traceparent value, or null when it is invalid: version 2 hex
     * (not ff), trace id 32 hex not all zero, parent id 16 hex not all zero, flags 2 hex, all
     * lowercase, separated by '-'. Version 00 is exactly 55 characters; a higher version may be
     * longer, with a '-' after the flags (spec 3.2.4: parse what version 00 defines).
     */
    static String parentOf(String v) {
        final int n = v.length();
        if (n < 55 || v.charAt(2) != '-' || v.charAt(35) != '-' || v.charAt(52) != '-') {
            return null;
        }
        if (!hex(v, 0, 2) || !hex(v, 3, 35) || !hex(v, 36, 52) || !hex(v, 53, 55)) {
            return null;
        }
        final boolean v00 = v.charAt(0) == '0' && v.charAt(1) == '0';
        if (v.charAt(0) == 'f' && v.charAt(1) == 'f' || v00 && n != 55 || !v00 && n > 55 && v.charAt(55) != '-') {
            return null;
        }
        if (zeros(v, 3, 35) || zeros(v, 36, 52)) {
            return null;
        }
        return v.substring(36, 52);
    }

    /** Two traceparent headers make the context invalid (spec 3.2: a receiver must not pick one). */
    private static boolean single(RequestHeaders headers, AsciiString name) {
        return headers.getAll(name).size() == 1;
    }

    private record Members(String nuri, String others) {}

    /**
     * Splits tracestate into our entry and the others (kept in order, without ours, at most 31 so
     * ours makes 32). Null when the list is malformed: then it is not passed on (spec 3.3.1:
     * a vendor that cannot parse tracestate must not propagate it).
     */
    private static Members members(String list) {
        if (list.length() > MAX_TRACESTATE_CHARS) {
            return null;
        }
        String nuri = null;
        final StringBuilder others = new StringBuilder(list.length());
        int kept = 0;
        int start = 0;
        while (start <= list.length()) {
            int end = list.indexOf(',', start);
            if (end < 0) {
                end = list.length();
            }
            final String member = list.substring(start, end).trim();
            start = end + 1;
            if (member.isEmpty()) {
                continue; // empty members are allowed and skipped (spec 3.3.1.1)
            }
            final int eq = member.indexOf('=');
            if (eq <= 0 || !validKey(member, eq) || !validValue(member, eq + 1)) {
                return null;
            }
            if (member.startsWith(VENDOR_KEY) && eq == VENDOR_KEY.length()) {
                if (nuri == null) {
                    nuri = member.substring(eq + 1);
                }
                continue;
            }
            if (kept < MAX_TRACESTATE_MEMBERS - 1) {
                if (kept > 0) {
                    others.append(',');
                }
                others.append(member);
                kept++;
            }
        }
        if (nuri != null && (nuri.length() != 16 || !hex(nuri, 0, 16))) {
            nuri = null; // not an id we wrote
        }
        return new Members(nuri, others.toString());
    }

    /** key = lcalpha 0*255(lcalpha / DIGIT / "_" / "-" / "*" / "/"), or tenant@system (spec 3.3.1.3.1). */
    private static boolean validKey(String m, int eq) {
        if (eq > 256) {
            return false;
        }
        final char first = m.charAt(0);
        if (!(first >= 'a' && first <= 'z' || first >= '0' && first <= '9')) {
            return false;
        }
        int at = -1;
        for (int i = 1; i < eq; i++) {
            final char c = m.charAt(i);
            if (c == '@') {
                if (at >= 0) {
                    return false;
                }
                at = i;
            } else if (!(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '_' || c == '-' || c == '*' || c == '/')) {
                return false;
            }
        }
        // A simple key starts with a letter; in tenant@system the system part does.
        return at < 0 ? first >= 'a' : at < eq - 1 && m.charAt(at + 1) >= 'a' && m.charAt(at + 1) <= 'z';
    }

    /** value = 0*255(chr) nblk-chr, chr = %x20 / nblk-chr, nblk-chr = %x21-2B / %x2D-3C / %x3E-7E. */
    private static boolean validValue(String m, int from) {
        final int n = m.length() - from;
        if (n < 1 || n > 256) {
            return false;
        }
        for (int i = from; i < m.length(); i++) {
            final char c = m.charAt(i);
            if (c < 0x20 || c > 0x7e || c == ',' || c == '=') {
                return false;
            }
        }
        return m.charAt(m.length() - 1) != ' ';
    }

    private static boolean hex(String s, int from, int to) {
        for (int i = from; i < to; i++) {
            if (hexValue(s.charAt(i)) < 0) {
                return false;
            }
        }
        return true;
    }

    private static boolean zeros(String s, int from, int to) {
        for (int i = from; i < to; i++) {
            if (s.charAt(i) != '0') {
                return false;
            }
        }
        return true;
    }

    /** Lowercase hex only: the spec's HEXDIGLC. */
    private static int hexValue(char c) {
        return c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
    }

    /** Non-zero: an all-zero span id is the spec's invalid id (for a trace id, its first half being non-zero suffices). */
    private static long nonZero(ThreadLocalRandom r) {
        long v;
        do {
            v = r.nextLong();
        } while (v == 0);
        return v;
    }

    /** {@code v} as 16 lowercase hex digits into {@code c} at {@code at}. */
    private static void hex(long v, char[] c, int at) {
        for (int i = 0; i < 16; i++) {
            c[at + i] = HEX[(int) (v >>> (60 - 4 * i)) & 0xf];
        }
    }
}
