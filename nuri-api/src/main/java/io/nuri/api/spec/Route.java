package io.nuri.api.spec;

import com.fasterxml.jackson.annotation.JsonInclude;

/**
 * One way users reach the app through the gateway: requests whose Host header (without port)
 * equals {@code host} (null or "*" = any host) and whose path starts with {@code path} (default
 * "/", matched on whole segments: "/api" matches "/api" and "/api/x", not "/apix"). Among all
 * apps' routes the longest matching prefix wins; an exact host beats "*".
 *
 * @param stripPrefix forward "/api/x" as "/x" (and "/api" as "/")
 * @param timeoutSeconds per-request timeout through this route (response complete), default
 *     from {@link Traffic#timeoutSeconds()}
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record Route(String host, String path, boolean stripPrefix, Double timeoutSeconds) {
    public static final String ANY_HOST = "*";
}
