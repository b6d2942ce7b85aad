package io.nuri.server;

import com.linecorp.armeria.common.HttpHeaderNames;
import com.linecorp.armeria.common.HttpResponse;
import com.linecorp.armeria.common.HttpStatus;
import com.linecorp.armeria.server.DecoratingHttpServiceFunction;
import com.linecorp.armeria.server.HttpService;
import java.util.function.Function;

/**
 * Bearer-token check for everything under {@code /api/} and for {@code /metrics} (an unauthenticated
 * copy of the latter is only served on its own port, {@code --metrics-port}). A request without the right token
 * gets 401 and nothing else: no hint whether the path exists. {@code /healthz} and
 * {@code /readyz} stay open for supervisors; they tell nothing but "ok".
 */
final class TokenAuth {
    private static final String BEARER = "bearer ";

    private TokenAuth() {}

    static Function<? super HttpService, ? extends HttpService> newDecorator(AdminToken token) {
        DecoratingHttpServiceFunction check = (delegate, ctx, req) -> {
            if (!ctx.path().startsWith("/api/") && !ctx.path().equals("/metrics")) {
                return delegate.serve(ctx, req);
            }
            String auth = req.headers().get(HttpHeaderNames.AUTHORIZATION);
            if (auth == null || auth.length() <= BEARER.length()
                    || !auth.regionMatches(true, 0, BEARER, 0, BEARER.length())
                    || !token.matches(auth.substring(BEARER.length()).trim())) {
                return ApiErrors.error(HttpStatus.UNAUTHORIZED, "unauthorized", "missing or invalid bearer token");
            }
            return delegate.serve(ctx, req);
        };
        return delegate -> delegate.decorate(check);
    }
}
