package io.nuri.runtime;

import java.nio.file.Path;

/**
 * What a driver needs to find a started instance again after a platform restart. Persisted as
 * JSON in the instance record ({@code Instance.handle}); {@code version} lets a newer driver
 * read an older handle.
 *
 * @param startTimeMillis the process start time as the OS reports it, so a reused pid is never
 *     mistaken for the instance
 */
public record InstanceHandle(int version, String driver, String instanceId, long pid, long startTimeMillis,
        int port, Path logFile) {
    public static final int CURRENT_VERSION = 1;
}
