package io.nuri.gateway;

import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;

/**
 * Per-app retry budget (after Finagle's RetryBudget): every original request deposits
 * {@code budgetPercent / 100} of a token, every retry withdraws one; on top of that
 * {@code minRetriesPerSecond} retries per second are always allowed, so a quiet app can still
 * retry. Worked example, defaults 20% and 3/s: at 1000 req/s of which all fail, at most about
 * 200 + 3 retries per second go out, so an outage costs 1.2x the load, not 3x.
 *
 * <p>Tokens are fixed-point (1/1000) in one {@link AtomicLong}; a deposit is one
 * {@code addAndGet} per request. The balance is capped at {@value #MAX_TOKENS} tokens so a long
 * healthy period cannot bank an unbounded burst of retries for the next outage.
 */
final class RetryBudget {
    static final long MAX_TOKENS = 1000;
    private static final long SCALE = 1000;

    private final long depositMilli;
    private final int minPerSecond;
    private final LongSupplier ticker;
    private final AtomicLong balanceMilli = new AtomicLong();
    /** High 32 bits: second number; low 32 bits: retries used in it from the free allowance. */
    private final AtomicLong freeWindow = new AtomicLong();

    RetryBudget(double budgetPercent, int minRetriesPerSecond, LongSupplier ticker) {
        this.depositMilli = Math.max(0, Math.round(budgetPercent * SCALE / 100));
        this.minPerSecond = Math.max(0, minRetriesPerSecond);
        this.ticker = ticker;
    }

    /** An original request arrived. */
    void deposit() {
        if (depositMilli == 0) {
            return;
        }
        final long v = balanceMilli.addAndGet(depositMilli);
        if (v > MAX_TOKENS * SCALE) {
            balanceMilli.compareAndSet(v, MAX_TOKENS * SCALE); // lost race = next deposit retries
        }
    }

    /** Asks for one retry; true (and spent) when the budget allows it. */
    boolean tryRetry() {
        if (minPerSecond > 0) {
            final long second = ticker.getAsLong() / 1_000_000_000L;
            for (;;) {
                final long w = freeWindow.get();
                final long used = (w >>> 32) == (second & 0xffffffffL) ? w & 0xffffffffL : 0;
                if (used >= minPerSecond) {
                    break;
                }
                if (freeWindow.compareAndSet(w, ((second & 0xffffffffL) << 32) | (used + 1))) {
                    return true;
                }
            }
        }
        for (;;) {
            final long b = balanceMilli.get();
            if (b < SCALE) {
                return false;
            }
            if (balanceMilli.compareAndSet(b, b - SCALE)) {
                return true;
            }
        }
    }
}
