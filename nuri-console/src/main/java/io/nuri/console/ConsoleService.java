package io.nuri.console;

import com.linecorp.armeria.common.HttpResponse;
import com.linecorp.armeria.common.HttpStatus;
import com.linecorp.armeria.common.MediaType;
import com.linecorp.armeria.common.ServerCacheControl;
import com.linecorp.armeria.server.HttpService;
import com.linecorp.armeria.server.file.FileService;
import com.linecorp.armeria.server.file.HttpFile;

/**
 * The web console's page and assets, from the classpath ({@code io/nuri/console/web}). Armeria's
 * {@link FileService} sets content types, ETag and Last-Modified; every response says
 * {@code no-cache} so a browser revalidates (cheap: 304) and never runs a stale page after an
 * upgrade. Any other path that looks like a page (no dot in its last segment) gets index.html, so
 * a bookmarked {@code /apps/default/portal} works. API-like paths are never answered with the page:
 * a typo under {@code /api/} must stay a 404, not a 200 HTML body. The page itself is public; every
 * data call it makes carries the bearer token.
 */
public final class ConsoleService {
    static final String ROOT = "io/nuri/console/web";

    private ConsoleService() {}

    /** Register with {@code serverBuilder.serviceUnder("/", ConsoleService.of())}. */
    public static HttpService of() {
        ClassLoader loader = ConsoleService.class.getClassLoader();
        FileService files = FileService.builder(loader, ROOT)
                .cacheControl(ServerCacheControl.REVALIDATED)
                .autoIndex(false)
                .build();
        HttpFile index = HttpFile.builder(loader, ROOT + "/index.html")
                .cacheControl(ServerCacheControl.REVALIDATED)
                .contentType(MediaType.HTML_UTF_8)
                .build();
        HttpService page = (ctx, req) -> {
            String path = ctx.path();
            String last = path.substring(path.lastIndexOf('/') + 1);
            if (path.startsWith("/api/") || path.equals("/api") || last.contains(".")) {
                return HttpResponse.of(HttpStatus.NOT_FOUND, MediaType.PLAIN_TEXT_UTF_8, "not found");
            }
            return index.asService().serve(ctx, req);
        };
        return files.orElse(page);
    }
}
