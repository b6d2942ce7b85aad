package io.nuri.api.spec;

import com.fasterxml.jackson.annotation.JsonInclude;

/**
 * {@code spec.apm}: how the APM judges the app.
 *
 * @param apdexThresholdMillis APDEX T: satisfied <= T, tolerating <= 4T, frustrated beyond or on error
 * @param userCookie the cookie that identifies a user for "active users" (default JSESSIONID)
 * @param userHeader a header that identifies a user instead (e.g. X-User-Id set by an SSO proxy);
 *     at most one of the two; a request with neither counts by client address
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record ApmSpec(long apdexThresholdMillis, String userCookie, String userHeader) {
    public static final ApmSpec DEFAULTS = new ApmSpec(500, "JSESSIONID", null);
}
