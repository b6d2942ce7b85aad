package io.nuri.server;

import static io.nuri.server.ApiResponses.json;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.linecorp.armeria.common.HttpRequest;
import com.linecorp.armeria.common.HttpResponse;
import com.linecorp.armeria.common.HttpStatus;
import com.linecorp.armeria.server.ServiceRequestContext;
import com.linecorp.armeria.server.annotation.ExceptionHandlerFunction;
import io.nuri.api.codec.Json;
import io.nuri.api.codec.SpecError;
import io.nuri.api.codec.SpecException;
import io.nuri.store.ConflictException;
import java.util.List;
import java.util.NoSuchElementException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Maps exceptions to the API's JSON errors: {@code {"error", "message", "details"}}. */
final class ApiErrors implements ExceptionHandlerFunction {
    private static final Logger log = LoggerFactory.getLogger(ApiErrors.class);

    @Override
    public HttpResponse handleException(ServiceRequestContext ctx, HttpRequest req, Throwable cause) {
        return switch (cause) {
            case SpecException e -> invalid(e.errors());
            case NoSuchElementException e -> error(HttpStatus.NOT_FOUND, "not_found", e.getMessage());
            case ConflictException e -> error(HttpStatus.CONFLICT, "conflict", e.getMessage());
            case IllegalArgumentException e -> error(HttpStatus.BAD_REQUEST, "bad_request", e.getMessage());
            default -> {
                log.error("{} {} failed", req.method(), req.path(), cause);
                yield error(HttpStatus.INTERNAL_SERVER_ERROR, "internal",
                        "internal error (" + cause.getClass().getSimpleName() + "); see the server log");
            }
        };
    }

    static HttpResponse error(HttpStatus status, String code, String message) {
        ObjectNode body = Json.MAPPER.createObjectNode().put("error", code).put("message", message);
        return json(status, body);
    }

    static HttpResponse invalid(List<SpecError> errors) {
        ObjectNode body = Json.MAPPER.createObjectNode().put("error", "invalid")
                .put("message", errors.size() + (errors.size() == 1 ? " error" : " errors") + " in the spec");
        ArrayNode details = body.putArray("details");
        for (SpecError e : errors) {
            details.addObject().put("file", e.file()).put("path", e.path()).put("message", e.message());
        }
        return json(HttpStatus.UNPROCESSABLE_ENTITY, body);
    }
}
