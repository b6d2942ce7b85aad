package io.nuri.runtime;

import java.time.Instant;

/**
 * How an instance's process ended.
 *
 * @param code exit code as the JDK reports it (128 + n when signal n ended the process), or null
 *     when unknown (a re-adopted process that is not our child)
 * @param signal the signal that ended it when known (9 for SIGKILL), else 0
 * @param reason short words for events: "exit code 1", "killed (SIGKILL)", "terminated (SIGTERM)",
 *     "exited (code unknown)", "stopped", "stopped: killed (SIGKILL) after 5 s grace",
 *     "OOMKilled: memory 300Mi over limit 256Mi"
 */
public record ExitStatus(Integer code, int signal, String reason, Instant at) {
    public boolean succeeded() {
        return code != null && code == 0;
    }
}
