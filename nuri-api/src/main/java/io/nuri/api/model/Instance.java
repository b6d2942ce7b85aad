package io.nuri.api.model;

import com.fasterxml.jackson.annotation.JsonInclude;
import java.time.Instant;

/**
 * One running copy of a revision, as stored and as the API shows it. Restarting an instance
 * keeps its id and increments {@code restarts}; replacing it (scale, rollout) makes a new id.
 *
 * @param handle the driver's opaque state (JSON), persisted right after start so a restarted
 *     platform can re-adopt the process; never shown to users
 * @param nextRestartAt when a Failed instance will be restarted (backoff), else null
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record Instance(
        String id,
        String namespace,
        String app,
        int revision,
        InstanceState state,
        long pid,
        int port,
        int restarts,
        Integer lastExitCode,
        String reason,
        Instant createdAt,
        Instant startedAt,
        Instant readyAt,
        Instant nextRestartAt,
        @com.fasterxml.jackson.annotation.JsonIgnore String handle) {

    public String appKey() {
        return namespace + "/" + app;
    }

    public Instance withState(InstanceState newState, String newReason) {
        return new Instance(id, namespace, app, revision, newState, pid, port, restarts, lastExitCode, newReason,
                createdAt, startedAt, readyAt, nextRestartAt, handle);
    }

    public Builder toBuilder() {
        return new Builder(this);
    }

    /** Copy-with builder; the controllers change several fields at once. */
    public static final class Builder {
        private String id, namespace, app, reason, handle;
        private int revision, port, restarts;
        private InstanceState state;
        private long pid;
        private Integer lastExitCode;
        private Instant createdAt, startedAt, readyAt, nextRestartAt;

        public Builder() {}

        private Builder(Instance i) {
            id = i.id; namespace = i.namespace; app = i.app; revision = i.revision; state = i.state; pid = i.pid;
            port = i.port; restarts = i.restarts; lastExitCode = i.lastExitCode; reason = i.reason;
            createdAt = i.createdAt; startedAt = i.startedAt; readyAt = i.readyAt; nextRestartAt = i.nextRestartAt;
            handle = i.handle;
        }

        public Builder id(String v) { id = v; return this; }
        public Builder namespace(String v) { namespace = v; return this; }
        public Builder app(String v) { app = v; return this; }
        public Builder revision(int v) { revision = v; return this; }
        public Builder state(InstanceState v) { state = v; return this; }
        public Builder pid(long v) { pid = v; return this; }
        public Builder port(int v) { port = v; return this; }
        public Builder restarts(int v) { restarts = v; return this; }
        public Builder lastExitCode(Integer v) { lastExitCode = v; return this; }
        public Builder reason(String v) { reason = v; return this; }
        public Builder createdAt(Instant v) { createdAt = v; return this; }
        public Builder startedAt(Instant v) { startedAt = v; return this; }
        public Builder readyAt(Instant v) { readyAt = v; return this; }
        public Builder nextRestartAt(Instant v) { nextRestartAt = v; return this; }
        public Builder handle(String v) { handle = v; return this; }

        public Instance build() {
            return new Instance(id, namespace, app, revision, state, pid, port, restarts, lastExitCode, reason,
                    createdAt, startedAt, readyAt, nextRestartAt, handle);
        }
    }
}
