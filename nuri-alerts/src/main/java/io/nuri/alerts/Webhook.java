package io.nuri.alerts;

/**
 * Where a rule's fire/resolve notices go. The HMAC secret is never part of the rule: the rule
 * names the server's environment variable that holds it ({@code secretEnv}), so the secret is
 * neither stored in nuri.db nor shown by the API.
 *
 * @param secretEnv null: the body is sent unsigned
 */
public record Webhook(String url, String secretEnv, int timeoutMillis) {
    public static final int DEFAULT_TIMEOUT_MILLIS = 5000;
}
