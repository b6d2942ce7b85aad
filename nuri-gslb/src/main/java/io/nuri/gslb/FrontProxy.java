package io.nuri.gslb;

import com.linecorp.armeria.client.ClientFactory;
import com.linecorp.armeria.client.UnprocessedRequestException;
import com.linecorp.armeria.client.WebClient;
import com.linecorp.armeria.common.AggregatedHttpRequest;
import com.linecorp.armeria.common.HttpMethod;
import com.linecorp.armeria.common.HttpRequest;
import com.linecorp.armeria.common.HttpResponse;
import com.linecorp.armeria.common.HttpStatus;
import com.linecorp.armeria.common.MediaType;
import com.linecorp.armeria.common.SplitHttpResponse;
import com.linecorp.armeria.server.HttpService;
import com.linecorp.armeria.server.ServiceRequestContext;
import io.nuri.gslb.spec.Site;
import java.net.InetAddress;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The HTTP front end: each request goes to one site by the service's policy and, when that site
 * cannot take it, to the next one. A request the site never received (connection refused, no
 * route) is always moved on; one that may have reached it, or that the site answered with
 * 502/503/504 (a Nuri gateway's answer when the app has no ready instance), only when its method
 * is idempotent, so a POST is never done twice. The body is read once (bounded) so it can be sent again; the
 * response streams back as it comes.
 */
final class FrontProxy implements HttpService {
    private static final Set<HttpMethod> IDEMPOTENT = Set.of(HttpMethod.GET, HttpMethod.HEAD, HttpMethod.OPTIONS,
            HttpMethod.PUT, HttpMethod.DELETE, HttpMethod.TRACE);

    private static final Set<Integer> SITE_UNAVAILABLE = Set.of(502, 503, 504);

    private final Gslb gslb;
    private final ClientFactory factory;
    private final Map<Site, WebClient> clients = new ConcurrentHashMap<>();

    FrontProxy(Gslb gslb, ClientFactory factory) {
        this.gslb = gslb;
        this.factory = factory;
    }

    @Override
    public HttpResponse serve(ServiceRequestContext ctx, HttpRequest req) {
        ServiceState service = gslb.serviceForHost(req.authority());
        if (service == null) {
            return HttpResponse.of(HttpStatus.MISDIRECTED_REQUEST, MediaType.PLAIN_TEXT_UTF_8,
                    "no GlobalService answers for host " + req.authority());
        }
        InetAddress client = ctx.remoteAddress().getAddress();
        List<Site> order = SiteSelector.httpOrder(service, client);
        String forwardedFor = client.getHostAddress();
        return HttpResponse.of(req.aggregate().thenCompose(agg -> attempt(ctx, service, order, 0, agg, forwardedFor)));
    }

    private CompletableFuture<HttpResponse> attempt(ServiceRequestContext ctx, ServiceState service, List<Site> order,
            int index, AggregatedHttpRequest req, String forwardedFor) {
        if (index >= order.size()) {
            return CompletableFuture.completedFuture(HttpResponse.of(HttpStatus.BAD_GATEWAY, MediaType.PLAIN_TEXT_UTF_8,
                    "no site of " + service.service().name() + " could take the request"));
        }
        Site site = order.get(index);
        String xff = req.headers().get("x-forwarded-for");
        HttpRequest out = HttpRequest.of(req.headers().toBuilder()
                .set("x-forwarded-for", xff == null ? forwardedFor : xff + ", " + forwardedFor)
                .build(), req.content(), req.trailers());
        SplitHttpResponse split = client(site).execute(out).split();
        return split.headers().handle((headers, err) -> {
            boolean last = index + 1 >= order.size();
            if (err == null && !last && SITE_UNAVAILABLE.contains(headers.status().code())
                    && IDEMPOTENT.contains(req.method())) {
                // The site is up but cannot serve the app (no ready instance, shutting down): the
                // next site can, and nothing was done here that a repeat could double.
                split.body().abort();
                service.countFailover();
                return attempt(ctx, service, order, index + 1, req, forwardedFor);
            }
            if (err == null) {
                service.countHttp(site);
                return CompletableFuture.completedFuture(HttpResponse.of(headers, split.body()));
            }
            split.body().abort();
            boolean neverSent = unwrap(err) instanceof UnprocessedRequestException;
            if (neverSent || IDEMPOTENT.contains(req.method())) {
                service.countFailover();
                gslb.passiveFailure(service, site, err);
                return attempt(ctx, service, order, index + 1, req, forwardedFor);
            }
            return CompletableFuture.completedFuture(HttpResponse.of(HttpStatus.BAD_GATEWAY, MediaType.PLAIN_TEXT_UTF_8,
                    "site " + site.name() + " failed the request and " + req.method() + " is not retried"));
        }).thenCompose(f -> f);
    }

    private WebClient client(Site site) {
        return clients.computeIfAbsent(site, s -> WebClient.builder("http://" + s.authority())
                .factory(factory)
                .responseTimeout(Duration.ofSeconds(60))
                .maxResponseLength(0)
                .build());
    }

    private static Throwable unwrap(Throwable t) {
        while (t instanceof java.util.concurrent.CompletionException && t.getCause() != null) {
            t = t.getCause();
        }
        return t;
    }
}
