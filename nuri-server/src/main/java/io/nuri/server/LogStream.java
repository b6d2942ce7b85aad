package io.nuri.server;

import com.linecorp.armeria.common.HttpResponse;
import com.linecorp.armeria.common.sse.ServerSentEvent;
import com.linecorp.armeria.common.stream.StreamMessage;
import com.linecorp.armeria.common.stream.StreamWriter;
import com.linecorp.armeria.server.ServiceRequestContext;
import com.linecorp.armeria.server.streaming.ServerSentEvents;
import java.io.IOException;
import java.util.List;
import java.util.function.Consumer;

/** A followed log as server-sent events, until the client goes away; the followers are closed then. */
final class LogStream {
    /** Writes the events it is given, and returns the followers that keep writing them. */
    interface Start {
        List<AutoCloseable> start(Consumer<ServerSentEvent> emit) throws IOException;
    }

    private LogStream() {}

    static HttpResponse of(ServiceRequestContext ctx, Start start) throws IOException {
        ctx.clearRequestTimeout(); // a follow lasts until the client goes away
        StreamWriter<ServerSentEvent> stream = StreamMessage.streaming();
        // Something to send at once: the response headers go out with the first event, and a
        // client waiting for them (curl, `nuri logs -f`) would otherwise wait for the first log line.
        stream.tryWrite(ServerSentEvent.ofComment("following"));
        List<AutoCloseable> followers = start.start(stream::tryWrite);
        stream.whenComplete().handle((v, e) -> {
            for (AutoCloseable f : followers) {
                try {
                    f.close();
                } catch (Exception ignored) {
                    // the client is gone; nothing to tell
                }
            }
            return null;
        });
        return ServerSentEvents.fromPublisher(stream);
    }
}
