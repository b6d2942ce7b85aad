package io.nuri.server;

import com.linecorp.armeria.common.HttpResponse;
import com.linecorp.armeria.common.HttpStatus;
import com.linecorp.armeria.common.MediaType;
import com.linecorp.armeria.common.sse.ServerSentEvent;
import com.linecorp.armeria.server.ServiceRequestContext;
import com.linecorp.armeria.server.annotation.Blocking;
import com.linecorp.armeria.server.annotation.Default;
import com.linecorp.armeria.server.annotation.ExceptionHandler;
import com.linecorp.armeria.server.annotation.Get;
import com.linecorp.armeria.server.annotation.Param;
import io.nuri.api.codec.Json;
import io.nuri.runtime.process.LogFiles;
import io.nuri.runtime.process.LogFollower;
import io.nuri.store.Store;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;

/**
 * The gateway's access log of an app, read like an instance log: the last lines, and with
 * {@code follow=true} every new line as a server-sent event until the client goes away
 * ({@code nuri logs APP --access [-f]}). Searching it is {@link LogSearchApi}'s {@code source=access}.
 */
@Blocking
@ExceptionHandler(ApiErrors.class)
final class AccessLogApi {
    static final int MAX_TAIL = 10_000;

    private final Store store;
    private final LogSource logs;
    private final Path logsDir;
    private final int accessLogFiles; // rotated files kept (--access-log-files): the tail reads them all

    AccessLogApi(Store store, LogSource logs, Path logsDir, int accessLogFiles) {
        this.store = store;
        this.logs = logs;
        this.logsDir = logsDir;
        this.accessLogFiles = accessLogFiles;
    }

    @Get("/api/v1/namespaces/{ns}/apps/{name}/logs/access")
    public HttpResponse access(ServiceRequestContext ctx, @Param("ns") String ns, @Param("name") String name,
            @Param("tail") @Default("100") int tail, @Param("follow") @Default("false") boolean follow)
            throws IOException {
        ApiResponses.requireApp(store, ns, name);
        if (tail < 0 || tail > MAX_TAIL) {
            throw new IllegalArgumentException("tail: must be between 0 and " + MAX_TAIL + ", got " + tail);
        }
        if (logs.accessLogMissing() != null) {
            throw new IllegalArgumentException(logs.accessLogMissing()); // the same answer as its search
        }
        Path file = AccessLog.file(logsDir, ns, name);
        List<String> last = LogFiles.tail(file, tail, accessLogFiles);
        if (!follow) {
            StringBuilder text = new StringBuilder();
            last.forEach(line -> text.append(line).append('\n'));
            return HttpResponse.of(HttpStatus.OK, MediaType.PLAIN_TEXT_UTF_8, text.toString());
        }
        // from the end the tail was read at: a line written in between is in neither (as tail -F)
        return LogStream.of(ctx, emit -> {
            last.forEach(line -> emit.accept(event(line)));
            return List.of(LogFollower.follow(new LogFollower(file, false), line -> emit.accept(event(line))));
        });
    }

    private static ServerSentEvent event(String line) {
        return ServerSentEvent.builder().event("log")
                .data(Json.write(Json.MAPPER.createObjectNode().put("source", "access").put("line", line))).build();
    }
}
