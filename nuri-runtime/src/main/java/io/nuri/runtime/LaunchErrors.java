package io.nuri.runtime;

import java.io.IOException;

/** Short reasons for a program that could not be started, fit for events and probe details. */
public final class LaunchErrors {
    private LaunchErrors() {}

    /** "No such file or directory" out of the JDK's "Cannot run program "x": error=2, No such file or directory". */
    public static String reason(IOException e) {
        String m = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
        int open = m.lastIndexOf('(');
        int close = m.lastIndexOf(')');
        if (m.startsWith("Cannot run program") && open >= 0 && close > open) {
            return m.substring(open + 1, close);
        }
        int comma = m.lastIndexOf(", ");
        return m.startsWith("Cannot run program") && comma > 0 ? m.substring(comma + 2) : m;
    }
}
