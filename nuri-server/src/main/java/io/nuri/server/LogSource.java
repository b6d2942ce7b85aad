package io.nuri.server;

import io.nuri.runtime.process.LogSearch;
import java.io.IOException;
import java.util.List;
import java.util.function.Consumer;

/** Reads an instance's log: the driver's files on one machine, the pod log on Kubernetes ({@link PodLogs}). */
interface LogSource {
    List<String> tail(String instanceId, int lines) throws IOException;

    /** Calls {@code onLine} for every new line until the returned handle is closed. */
    AutoCloseable follow(String instanceId, Consumer<String> onLine) throws IOException;

    /** The app's instance logs for search (docs/apm.md, "Log search"), not read yet: files or pod logs. */
    List<LogSearch.Log> searchSources(String namespace, String app) throws IOException;

    /** Why {@code source=access} cannot be searched with this driver; null when the access log is local. */
    default String accessLogMissing() {
        return null;
    }
}
