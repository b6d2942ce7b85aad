package io.nuri.server;

import java.io.IOException;
import java.util.List;
import java.util.function.Consumer;

/** Reads an instance's log: the driver's files on one machine, the pod log on Kubernetes. */
interface LogSource {
    List<String> tail(String instanceId, int lines) throws IOException;

    /** Calls {@code onLine} for every new line until the returned handle is closed. */
    AutoCloseable follow(String instanceId, Consumer<String> onLine) throws IOException;

    /** The app's log files for search (docs/apm.md, "Log search"); only where they are local files. */
    default List<io.nuri.runtime.process.LogSearch.Source> searchSources(String namespace, String app) throws IOException {
        throw new IllegalArgumentException("log search reads the process driver's log files; this driver has none"
                + " (use logs with tail)");
    }
}
