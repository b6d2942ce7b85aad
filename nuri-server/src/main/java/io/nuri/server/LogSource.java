package io.nuri.server;

import java.io.IOException;
import java.util.List;
import java.util.function.Consumer;

/** Reads an instance's log: the driver's files on one machine, the pod log on Kubernetes. */
interface LogSource {
    List<String> tail(String instanceId, int lines) throws IOException;

    /** Calls {@code onLine} for every new line until the returned handle is closed. */
    AutoCloseable follow(String instanceId, Consumer<String> onLine) throws IOException;
}
