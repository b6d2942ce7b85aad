package io.nuri.runtime;

import io.nuri.api.spec.Resources;
import io.nuri.api.spec.RunSpec;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;

/**
 * Everything a driver needs to start one instance. The controller builds it from the app's
 * revision; the driver adds {@code PORT}, {@code NURI_INSTANCE_ID} and friends to {@code env}.
 *
 * @param env the app's env plus one variable per volume (already resolved to a path)
 * @param port the port the instance must listen on (chosen by the caller via {@link Ports})
 * @param logDir folder for this instance's log files (created by the driver)
 * @param stopGrace how long a stop waits between SIGTERM and SIGKILL
 */
public record LaunchSpec(
        String instanceId,
        String namespace,
        String app,
        int revision,
        RunSpec run,
        Map<String, String> env,
        int port,
        Resources resources,
        Path logDir,
        Duration stopGrace) {

    public LaunchSpec {
        env = Map.copyOf(env);
    }
}
