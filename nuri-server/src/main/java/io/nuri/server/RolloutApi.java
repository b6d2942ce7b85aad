package io.nuri.server;

import static io.nuri.server.ApiResponses.json;

import com.fasterxml.jackson.databind.JsonNode;
import com.linecorp.armeria.common.AggregatedHttpRequest;
import com.linecorp.armeria.common.HttpResponse;
import com.linecorp.armeria.server.annotation.Blocking;
import com.linecorp.armeria.server.annotation.ExceptionHandler;
import com.linecorp.armeria.server.annotation.Get;
import com.linecorp.armeria.server.annotation.Param;
import com.linecorp.armeria.server.annotation.Post;
import io.nuri.api.codec.Json;
import io.nuri.control.RolloutService;

/**
 * The rollout endpoints of docs/api.md: status, history, pause, resume, undo. Blocking: every
 * call reads SQLite.
 */
@Blocking
@ExceptionHandler(ApiErrors.class)
final class RolloutApi {
    private static final String APP = "/api/v1/namespaces/{ns}/apps/{name}/rollout";

    private final RolloutService rollouts;

    RolloutApi(RolloutService rollouts) {
        this.rollouts = rollouts;
    }

    @Get(APP)
    public HttpResponse status(@Param("ns") String ns, @Param("name") String name) {
        return json(rollouts.status(ns, name));
    }

    @Get(APP + "/history")
    public HttpResponse history(@Param("ns") String ns, @Param("name") String name) {
        return json(rollouts.history(ns, name));
    }

    @Post(APP + "/pause")
    public HttpResponse pause(@Param("ns") String ns, @Param("name") String name) {
        rollouts.pause(ns, name);
        return json(rollouts.status(ns, name));
    }

    @Post(APP + "/resume")
    public HttpResponse resume(@Param("ns") String ns, @Param("name") String name) {
        rollouts.resume(ns, name);
        return json(rollouts.status(ns, name));
    }

    /** Body {@code {"toRevision": N}}, optional (empty body or no field: the previous revision). */
    @Post(APP + "/undo")
    public HttpResponse undo(@Param("ns") String ns, @Param("name") String name, AggregatedHttpRequest req) {
        Integer to = null;
        String text = req.contentUtf8();
        if (!text.isBlank()) {
            JsonNode body;
            try {
                body = Json.MAPPER.readTree(text);
            } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
                throw new IllegalArgumentException("body: must be JSON like {\"toRevision\": 2}: " + e.getOriginalMessage());
            }
            JsonNode n = body == null ? null : body.get("toRevision");
            if (n != null && !n.isNull()) {
                if (!n.isIntegralNumber() || !n.canConvertToInt() || n.intValue() < 1) {
                    throw new IllegalArgumentException("toRevision: must be a revision number >= 1, got " + n);
                }
                to = n.intValue();
            }
        }
        return json(rollouts.undo(ns, name, to));
    }
}
