package io.nuri.alerts;

import java.util.Arrays;
import java.util.Optional;

/** {@code value op threshold}, e.g. {@code apdex < 0.7}. */
public record Condition(Op op, double threshold) {

    public enum Op {
        LT("<"), LE("<="), GT(">"), GE(">=");

        private final String symbol;

        Op(String symbol) {
            this.symbol = symbol;
        }

        public String symbol() {
            return symbol;
        }

        public static Optional<Op> fromSpec(String s) {
            return Arrays.stream(values()).filter(o -> o.symbol.equals(s)).findFirst();
        }
    }

    public boolean holds(double value) {
        return switch (op) {
            case LT -> value < threshold;
            case LE -> value <= threshold;
            case GT -> value > threshold;
            case GE -> value >= threshold;
        };
    }

    @Override
    public String toString() {
        return op.symbol + " " + Values.format(threshold);
    }
}
