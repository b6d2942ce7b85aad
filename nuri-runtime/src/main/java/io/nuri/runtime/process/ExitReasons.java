package io.nuri.runtime.process;

import io.nuri.runtime.ExitStatus;
import java.time.Instant;

/**
 * An instance's exit status as a pure function of what was observed: the exit code (null when
 * unknown), and whether the instance was stopped, killed after its grace or OOM-killed.
 */
final class ExitReasons {
    private ExitReasons() {}

    static ExitStatus statusOf(TrackedInstance t, Integer code) {
        int signal = 0;
        String natural;
        if (code == null) {
            natural = "exited (code unknown)";
            if (t.oomReason != null || t.stopKilled) {
                signal = 9;
            }
        } else if (code > 128 && code <= 128 + 64) {
            signal = code - 128;
            natural = signalReason(signal);
        } else {
            natural = "exit code " + code;
        }
        String reason;
        if (t.oomReason != null) {
            reason = t.oomReason;
        } else if (t.stopping != null) {
            reason = t.stopKilled ? "stopped: killed (SIGKILL) after " + Quantities.seconds(t.stopGraceUsed) + " grace"
                    : "stopped";
        } else {
            reason = natural;
        }
        return new ExitStatus(code, signal, reason, Instant.now());
    }

    static String signalReason(int signal) {
        return switch (signal) {
            case 9 -> "killed (SIGKILL)";
            case 15 -> "terminated (SIGTERM)";
            case 2 -> "interrupted (SIGINT)";
            case 1 -> "hung up (SIGHUP)";
            case 6 -> "killed by signal 6 (SIGABRT)";
            case 11 -> "killed by signal 11 (SIGSEGV)";
            default -> "killed by signal " + signal;
        };
    }
}
